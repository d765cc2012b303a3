//! The names of a `RedisTaskStore`'s keys: its listing indexes, its quota
//! sets and its idempotency keys, each name hex-encoding what the caller
//! chose so that no two kinds of key can collide.

use super::RedisTaskStore;

impl RedisTaskStore {
    /// The sorted set listing the tasks of a request, of an owner, of both
    /// or of everyone. Owners are hex-encoded: any string the owner hook
    /// returns makes a key of its own (no `:` in it to collide with
    /// another's), and never a key another kind of index uses.
    pub(super) fn index(&self, request_id: Option<&str>, owner: Option<&str>) -> String {
        let prefix = &self.inner.options.prefix;
        match (owner, request_id) {
            (None, None) => format!("{prefix}:all"),
            (None, Some(rid)) => format!("{prefix}:req:{rid}"),
            (Some(o), None) => format!("{prefix}:own:{}", hex(o)),
            (Some(o), Some(rid)) => format!("{prefix}:own:{}:req:{rid}", hex(o)),
        }
    }

    /// The base of a quota key's sets (`…:running`, `…:kept`).
    pub(super) fn quota(&self, quota_key: &str) -> String {
        format!("{}:quota:{}", self.inner.options.prefix, hex(quota_key))
    }

    /// Where an `Idempotency-Key` of a quota key points to its task.
    pub(super) fn idempotency(&self, quota_key: &str, key: &str) -> String {
        format!(
            "{}:idem:{}:{}",
            self.inner.options.prefix,
            hex(quota_key),
            hex(key)
        )
    }
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}
