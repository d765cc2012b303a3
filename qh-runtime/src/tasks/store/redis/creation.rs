//! The arguments of the script that admits a new record (`CREATE`): its
//! hash, its lease, its listing index entries, its quota's sets and its
//! idempotency key, all in one atomic round trip.

use super::connection::millis;
use super::{scripts, RedisTaskStore};
use crate::id::RequestId;
use crate::tasks::store::record::seconds;
use crate::tasks::store::Limits;
use crate::tasks::TaskRecord;

/// The `CREATE` invocation for `record` under `limits`, refused by Redis
/// if it runs after `deadline` (Redis milliseconds; 0 for none).
pub(super) fn invocation<'a>(
    store: &RedisTaskStore,
    record: &TaskRecord,
    limits: Limits,
    deadline: i64,
) -> redis::ScriptInvocation<'a> {
    let o = &store.inner.options;
    let id = &record.task_id;
    let rid = record.request_id.as_ref().map(RequestId::as_str);
    let owner = record.owner.as_deref();
    // The owner's indexes are named in the record, so deleting it needs no
    // second copy of their naming rule (see `RedisTaskStore::index`).
    let owner_index = owner.map(|o| store.index(None, Some(o)));
    let owner_req_index = owner.and_then(|o| rid.map(|r| store.index(Some(r), Some(o))));
    let quota = record.quota_key.as_deref().map(|k| store.quota(k));
    let idem = record
        .idempotency_key
        .as_deref()
        .map(|key| store.idempotency(record.quota_key.as_deref().unwrap_or(""), key));
    let invocation = record
        .invocation
        .as_ref()
        .and_then(|i| serde_json::to_string(i).ok());
    let attempt = record.attempt.to_string();
    let max_attempts = record.max_attempts.to_string();
    let mut fields: Vec<(&str, &str)> = vec![
        ("task_id", id),
        ("request_id", rid.unwrap_or("")),
        ("endpoint", &record.endpoint),
        ("status", record.status.as_str()),
        ("holder", &store.inner.holder),
        ("attempt", &attempt),
        ("max_attempts", &max_attempts),
    ];
    let named = [
        ("owner", owner),
        ("owner_index", owner_index.as_deref()),
        ("owner_req_index", owner_req_index.as_deref()),
        ("quota", quota.as_deref()),
        ("quota_key", record.quota_key.as_deref()),
        ("idem", idem.as_deref()),
        ("idempotency_key", record.idempotency_key.as_deref()),
        ("invocation", invocation.as_deref()),
        ("route", record.invocation.as_ref().map(|i| i.route())),
    ];
    fields.extend(named.iter().filter_map(|(k, v)| Some((*k, (*v)?))));
    let created = seconds(record.created_at);
    let created_text = created.to_string();
    fields.push(("created_at", &created_text));
    let mut call = scripts::CREATE.prepare_invoke();
    call.arg(&o.prefix)
        .arg(id)
        .arg(deadline)
        .arg(millis(o.ttl))
        .arg(millis(o.lease))
        .arg(o.index_cap)
        .arg(quota.as_deref().unwrap_or(""))
        .arg(limits.running.unwrap_or(0))
        .arg(limits.kept.unwrap_or(0))
        .arg(idem.as_deref().unwrap_or(""))
        .arg(record.fingerprint())
        .arg(created)
        .arg(store.index(None, None))
        .arg(rid.map(|r| store.index(Some(r), None)).unwrap_or_default())
        .arg(owner_index.as_deref().unwrap_or(""))
        .arg(owner_req_index.as_deref().unwrap_or(""));
    for (field, value) in fields {
        call.arg(field).arg(value);
    }
    call
}
