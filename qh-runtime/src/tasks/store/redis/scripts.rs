//! The Lua scripts `RedisTaskStore` runs: each status change, read and
//! delete is one atomic server-side step (one round trip), so two instances
//! racing (a cancel against a completion) leave one consistent record.
//!
//! Leases are fenced by their holder: each record names the store instance
//! that runs it (`holder`), and its lease key holds that name. A reader that
//! finds the lease expired fails the task and marks the failure
//! `lease_lost`; that judgement is provisional for the holder alone: its
//! next renewal puts the task back to running, and its outcome (completed
//! or failed) replaces the judgement. No one else can undo a finished record.

use std::sync::LazyLock;

use redis::Script;

/// Reads a record, first failing it if it is unfinished and its lease has
/// expired (the instance running it is gone). Shared by GET and LIST.
const READ: &str = r"
local function read(task, lease, now, ttl_ms, channel, id)
  local status = redis.call('HGET', task, 'status')
  if not status then return false end
  if (status == 'pending' or status == 'running') and redis.call('EXISTS', lease) == 0 then
    redis.call('HSET', task, 'status', 'failed', 'completed_at', now, 'lease_lost', '1',
      'error', 'the instance running the task stopped renewing its lease')
    redis.call('PEXPIRE', task, ttl_ms)
    redis.call('PUBLISH', channel, id)
  end
  return redis.call('HGETALL', task)
end
";

/// Whether `holder` holds the task whose lease a reader judged lost.
const JUDGED_LOST: &str = r"
local function judged_lost(task, status, holder)
  return status == 'failed' and redis.call('HGET', task, 'lease_lost') == '1'
    and redis.call('HGET', task, 'holder') == holder
end
";

/// KEYS: task, lease. ARGV: now, ttl_ms, channel, id.
pub(super) static GET: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{READ}\nreturn read(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])"
    ))
});

/// KEYS: index. ARGV: limit (≥ 1), now, ttl_ms, channel, prefix.
/// Returns `{id, fields}` pairs; index entries whose record has expired are
/// dropped on the way.
pub(super) static LIST: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r"{READ}
local ids = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
local out = {{}}
for _, id in ipairs(ids) do
  local rec = read(ARGV[5] .. ':task:' .. id, ARGV[5] .. ':lease:' .. id,
    ARGV[2], ARGV[3], ARGV[4], id)
  if rec then table.insert(out, {{id, rec}}) else redis.call('ZREM', KEYS[1], id) end
end
return out"
    ))
});

/// KEYS: task, lease. ARGV: kind (start|complete|fail|cancel|abandon), now,
/// payload (result JSON, error or reason), ttl_ms, channel, id, holder.
/// Same rules as `TaskRecord::apply` (finished records never change), but
/// for the holder's outcome over a lease judgement (see the module doc).
pub(super) static TRANSITION: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r"{JUDGED_LOST}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
local kind = ARGV[1]
local finished = status == 'completed' or status == 'failed' or status == 'cancelled'
local outcome = kind == 'complete' or kind == 'fail'
local late = outcome and judged_lost(KEYS[1], status, ARGV[7])
local allowed
if kind == 'start' then allowed = status == 'pending' else allowed = late or not finished end
if allowed then
  if kind == 'start' then
    redis.call('HSET', KEYS[1], 'status', 'running', 'started_at', ARGV[2])
  else
    local to = ({{complete = 'completed', fail = 'failed', cancel = 'cancelled',
      abandon = 'cancelled'}})[kind]
    redis.call('HDEL', KEYS[1], 'lease_lost', 'error')
    redis.call('HSET', KEYS[1], 'status', to, 'completed_at', ARGV[2])
    if kind == 'complete' then redis.call('HSET', KEYS[1], 'result', ARGV[3]) end
    if kind == 'fail' or kind == 'abandon' then redis.call('HSET', KEYS[1], 'error', ARGV[3]) end
    redis.call('DEL', KEYS[2])
    redis.call('PEXPIRE', KEYS[1], ARGV[4])
  end
  redis.call('PUBLISH', ARGV[5], ARGV[6])
end
return redis.call('HGETALL', KEYS[1])"
    ))
});

/// KEYS: task, lease. ARGV: lease_ms, ttl_ms, holder, channel, id. Renews
/// the lease of an unfinished task; a task its holder renews after a reader
/// judged its lease lost is running again. Returns its status (nil when
/// gone).
pub(super) static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r"{JUDGED_LOST}
local status = redis.call('HGET', KEYS[1], 'status')
if judged_lost(KEYS[1], status, ARGV[3]) then
  redis.call('HDEL', KEYS[1], 'lease_lost', 'error', 'completed_at')
  redis.call('HSET', KEYS[1], 'status', 'running')
  redis.call('PUBLISH', ARGV[4], ARGV[5])
  status = 'running'
end
if status == 'pending' or status == 'running' then
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return status"
    ))
});

/// KEYS: task, lease, index. ARGV: prefix, channel, id. Returns 1 when a
/// record was removed; only then is the change published (so deleting
/// unknown IDs wakes no one). The owner's indexes are the ones the record
/// names.
pub(super) static DELETE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local rid = redis.call('HGET', KEYS[1], 'request_id')
for _, index in ipairs(redis.call('HMGET', KEYS[1], 'owner_index', 'owner_req_index')) do
  if index then redis.call('ZREM', index, ARGV[3]) end
end
local removed = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[3])
if rid and rid ~= '' then redis.call('ZREM', ARGV[1] .. ':req:' .. rid, ARGV[3]) end
if removed == 1 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return removed",
    )
});
