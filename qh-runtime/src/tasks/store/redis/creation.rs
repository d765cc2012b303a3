//! The pipeline that stores a new record: its hash, its lease and its
//! listing index entries, in one atomic round trip.

use super::connection::millis;
use super::RedisTaskStore;
use crate::id::RequestId;
use crate::tasks::store::record::seconds;
use crate::tasks::TaskRecord;

/// `MULTI` … `EXEC`: the hash (naming this store as the holder), its time
/// to live, the lease, and the index entries (the global one and the
/// owner's capped; all but the global one expiring with the record).
pub(super) fn pipeline(store: &RedisTaskStore, record: &TaskRecord) -> redis::Pipeline {
    let o = &store.inner.options;
    let id = &record.task_id;
    let task = store.key("task", id);
    let all = store.index(None, None);
    let rid = record.request_id.as_ref().map(RequestId::as_str);
    let owner = record.owner.as_deref();
    // The owner's indexes are named in the record, so deleting it needs no
    // second copy of their naming rule (see `RedisTaskStore::index`).
    let owner_indexes: Vec<String> = owner
        .map(|o| {
            [
                Some(store.index(None, Some(o))),
                rid.map(|r| store.index(Some(r), Some(o))),
            ]
        })
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    let mut fields = vec![
        ("task_id", id.as_str()),
        ("request_id", rid.unwrap_or("")),
        ("endpoint", record.endpoint.as_str()),
        ("status", record.status.as_str()),
        ("holder", store.inner.holder.as_str()),
    ];
    if let Some(owner) = owner {
        fields.push(("owner", owner));
    }
    for (field, index) in ["owner_index", "owner_req_index"]
        .into_iter()
        .zip(&owner_indexes)
    {
        fields.push((field, index.as_str()));
    }
    let mut pipe = redis::pipe();
    pipe.atomic()
        .cmd("HSET")
        .arg(&task)
        .arg(&fields)
        .arg("created_at")
        .arg(seconds(record.created_at))
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
        .ignore();
    let by_request = rid.map(|r| store.index(Some(r), None));
    for (index, capped) in std::iter::once((&all, true))
        .chain(by_request.iter().map(|i| (i, false)))
        .chain(owner_indexes.iter().map(|i| (i, true)))
    {
        pipe.cmd("ZADD")
            .arg(index)
            .arg(seconds(record.created_at))
            .arg(id)
            .ignore();
        if capped {
            pipe.cmd("ZREMRANGEBYRANK")
                .arg(index)
                .arg(0)
                .arg(-1 - i64::try_from(o.index_cap).unwrap_or(i64::MAX - 1))
                .ignore();
        }
        if index != &all {
            pipe.cmd("PEXPIRE").arg(index).arg(millis(o.ttl)).ignore();
        }
    }
    pipe
}
