//! The pipeline that stores a new record: its hash, its lease and its
//! listing index entries, in one atomic round trip.

use super::connection::millis;
use super::RedisTaskStore;
use crate::tasks::TaskRecord;
use crate::RequestId;

/// `MULTI` … `EXEC`: the hash (naming this store as the holder), its time
/// to live, the lease, and the index entries (the global one capped).
pub(super) fn pipeline(store: &RedisTaskStore, record: &TaskRecord) -> redis::Pipeline {
    let o = &store.inner.options;
    let id = &record.task_id;
    let task = store.key("task", id);
    let all = format!("{}:all", o.prefix);
    let rid = record.request_id.as_ref().map_or("", RequestId::as_str);
    let mut pipe = redis::pipe();
    pipe.atomic()
        .cmd("HSET")
        .arg(&task)
        .arg(&[
            ("task_id", id.as_str()),
            ("request_id", rid),
            ("endpoint", record.endpoint.as_str()),
            ("status", record.status.as_str()),
            ("holder", store.inner.holder.as_str()),
        ])
        .arg("created_at")
        .arg(record.created_at)
        .ignore()
        .cmd("PEXPIRE")
        .arg(&task)
        .arg(millis(o.ttl))
        .ignore()
        .cmd("SET")
        .arg(store.key("lease", id))
        .arg(&store.inner.holder)
        .arg("PX")
        .arg(millis(o.lease))
        .ignore()
        .cmd("ZADD")
        .arg(&all)
        .arg(record.created_at)
        .arg(id)
        .ignore()
        .cmd("ZREMRANGEBYRANK")
        .arg(&all)
        .arg(0)
        .arg(-1 - i64::try_from(o.index_cap).unwrap_or(i64::MAX - 1))
        .ignore();
    if !rid.is_empty() {
        let by_request = store.key("req", rid);
        pipe.cmd("ZADD")
            .arg(&by_request)
            .arg(record.created_at)
            .arg(id)
            .ignore()
            .cmd("PEXPIRE")
            .arg(&by_request)
            .arg(millis(o.ttl))
            .ignore();
    }
    pipe
}
