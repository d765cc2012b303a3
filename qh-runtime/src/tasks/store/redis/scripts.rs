//! The Lua scripts `RedisTaskStore` runs: each submission, status change,
//! read, sweep and delete is one atomic server-side step (one round trip),
//! so instances racing each other (a cancel against a completion, two
//! sweeps over one lost task) leave one consistent record. Nothing else
//! coordinates the instances: Redis runs one script at a time, and its own
//! clock (`TIME`) is the only one leases are measured by.
//!
//! **Leases.** An unfinished task is a member of the sorted set
//! `{prefix}:live`, scored by the end of its lease (Redis milliseconds).
//! Its record names its `holder` (the store instance running it), which
//! renews the lease every third of it. A lease found past its end is not
//! taken away at once: it is marked `lapsed` and given a grace period of
//! one lease more, because its holder may only have been cut off (Redis
//! paused or unreachable longer than the lease) and renews as soon as it
//! can; a renewal clears the mark. A lease lapsed twice means its holder is
//! lost: the task goes back to `pending` with no holder when it can run
//! again (it has an `invocation` and attempts left), for a sweep of an
//! instance serving its `route` to claim; otherwise it fails, for good.
//! Every terminal status is final: an outcome arriving later is refused,
//! never written over a terminal answer a client may already have read.

use std::sync::LazyLock;

use redis::Script;

/// Helpers every script starts with. `ARGV[1]` is always the key prefix.
const COMMON: &str = r"
local P = ARGV[1]
local LIVE = P .. ':live'
local function tkey(id) return P .. ':task:' .. id end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function unfinished(status) return status == 'pending' or status == 'running' end
-- The record's fields, without its invocation (only a claim needs it).
local function fields(task)
  local all = redis.call('HGETALL', task)
  local out = {}
  for i = 1, #all, 2 do
    if all[i] ~= 'invocation' then
      out[#out + 1] = all[i]
      out[#out + 1] = all[i + 1]
    end
  end
  return out
end
-- The end of an unfinished task: not live, not running for its quota,
-- kept `ttl_ms` from now (its idempotency key with it).
local function finish(task, id, ttl_ms)
  redis.call('ZREM', LIVE, id)
  local quota, idem = unpack(redis.call('HMGET', task, 'quota', 'idem'))
  if quota then redis.call('SREM', quota .. ':running', id) end
  redis.call('HDEL', task, 'lapsed', 'queued_at')
  redis.call('PEXPIRE', task, ttl_ms)
  if idem then redis.call('PEXPIRE', idem, ttl_ms) end
end
-- Fails an unfinished task for good.
local function fail(task, id, reason, now_secs, ttl_ms, channel)
  redis.call('HSET', task, 'status', 'failed', 'completed_at', now_secs, 'error', reason)
  finish(task, id, ttl_ms)
  redis.call('PUBLISH', channel, id)
end
-- Removes a record and every key that names it; 1 when there was one.
local function remove(task, id)
  local f = redis.call('HMGET', task, 'request_id', 'owner_index', 'owner_req_index', 'quota', 'idem')
  if f[1] and f[1] ~= '' then redis.call('ZREM', P .. ':req:' .. f[1], id) end
  if f[2] then redis.call('ZREM', f[2], id) end
  if f[3] then redis.call('ZREM', f[3], id) end
  if f[4] then
    redis.call('SREM', f[4] .. ':running', id)
    redis.call('ZREM', f[4] .. ':kept', id)
  end
  if f[5] then
    local seen = redis.call('GET', f[5])
    if seen and string.sub(seen, 1, #id + 1) == id .. ' ' then redis.call('DEL', f[5]) end
  end
  redis.call('ZREM', P .. ':all', id)
  redis.call('ZREM', LIVE, id)
  return redis.call('DEL', task)
end
-- What a lease past its end means (see the module doc). Returns nil (not
-- past its end), 'grace', 'queued' (waiting for an instance to claim it),
-- 'requeued' (its holder is lost; it can run again) or 'failed'.
local function judge(task, id, now, grace_ms, ttl_ms, channel, now_secs)
  local score = redis.call('ZSCORE', LIVE, id)
  if not score or tonumber(score) > now then return nil end
  local status, holder, lapsed, attempt, most, handed, route = unpack(redis.call('HMGET', task,
    'status', 'holder', 'lapsed', 'attempt', 'max_attempts', 'handed_back', 'route'))
  if not unfinished(status) then
    redis.call('ZREM', LIVE, id)
    return nil
  end
  if not holder or holder == '' then return 'queued' end
  if lapsed ~= '1' then
    redis.call('HSET', task, 'lapsed', '1')
    redis.call('ZADD', LIVE, now + grace_ms, id)
    return 'grace'
  end
  local used = tonumber(attempt or '0') - tonumber(handed or '0')
  local allowed = tonumber(most or '1')
  if route and used < allowed then
    redis.call('HSET', task, 'status', 'pending', 'holder', '', 'queued_at', now)
    redis.call('HDEL', task, 'lapsed')
    redis.call('ZADD', LIVE, now, id)
    redis.call('PUBLISH', channel, id)
    return 'requeued'
  end
  local reason = 'the instance running the task stopped renewing its lease'
  if route then
    reason = reason .. ' (attempt ' .. used .. ' of ' .. allowed .. ', none left)'
  end
  fail(task, id, reason, now_secs, ttl_ms, channel)
  return 'failed'
end
";

fn script(body: &str) -> Script {
    Script::new(&format!("{COMMON}\n{body}"))
}

/// Stores a new record, as `TaskStore::admit` says. ARGV: prefix, id,
/// deadline (Redis ms; 0: none), ttl_ms, lease_ms, index_cap, quota base
/// key ('' none), running max (0 none), kept max (0 none), idempotency key
/// name ('' none), fingerprint, created_at (s), all index, request index
/// (''), owner index (''), owner request index (''), then field/value
/// pairs. Returns {'created'}, {'existing', id, fields}, {'reused'},
/// {'quota', kind} or {'late'} (Redis ran it after the caller gave up).
pub(super) static CREATE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local now = now_ms()
local deadline = tonumber(ARGV[3])
if deadline > 0 and now > deadline then return {'late'} end
local id, ttl_ms, lease_ms, cap = ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local task = tkey(id)
local quota, idem, fp = ARGV[7], ARGV[10], ARGV[11]
if idem ~= '' then
  local seen = redis.call('GET', idem)
  if seen then
    local sep = string.find(seen, ' ', 1, true)
    local first = string.sub(seen, 1, sep - 1)
    if redis.call('EXISTS', tkey(first)) == 1 then
      if string.sub(seen, sep + 1) == fp then return {'existing', first, fields(tkey(first))} end
      return {'reused'}
    end
  end
end
if quota ~= '' then
  local running, kept = quota .. ':running', quota .. ':kept'
  local most = tonumber(ARGV[8])
  if most > 0 and redis.call('SCARD', running) >= most then
    -- Members whose record finished or went away elsewhere do not count.
    for _, other in ipairs(redis.call('SMEMBERS', running)) do
      if not unfinished(redis.call('HGET', tkey(other), 'status')) then
        redis.call('SREM', running, other)
      end
    end
    if redis.call('SCARD', running) >= most then return {'quota', 'running'} end
  end
  most = tonumber(ARGV[9])
  if most > 0 then
    -- At the bound, this key's own oldest finished record makes room.
    local n, skipped = redis.call('ZCARD', kept), 0
    while n >= most do
      local oldest = redis.call('ZRANGE', kept, skipped, skipped)[1]
      if not oldest then return {'quota', 'kept'} end
      local status = redis.call('HGET', tkey(oldest), 'status')
      if not status then
        redis.call('ZREM', kept, oldest)
        n = n - 1
      elseif unfinished(status) then
        skipped = skipped + 1
      else
        remove(tkey(oldest), oldest)
        n = n - 1
      end
    end
  end
end
local record = {}
for i = 17, #ARGV do record[#record + 1] = ARGV[i] end
redis.call('HSET', task, unpack(record))
redis.call('PEXPIRE', task, ttl_ms)
redis.call('ZADD', LIVE, now + lease_ms, id)
local created = ARGV[12]
redis.call('ZADD', ARGV[13], created, id)
redis.call('ZREMRANGEBYRANK', ARGV[13], 0, -1 - cap)
if ARGV[14] ~= '' then
  redis.call('ZADD', ARGV[14], created, id)
  redis.call('PEXPIRE', ARGV[14], ttl_ms)
end
for i = 15, 16 do
  if ARGV[i] ~= '' then
    redis.call('ZADD', ARGV[i], created, id)
    redis.call('ZREMRANGEBYRANK', ARGV[i], 0, -1 - cap)
    redis.call('PEXPIRE', ARGV[i], ttl_ms)
  end
end
if quota ~= '' then
  redis.call('SADD', quota .. ':running', id)
  redis.call('ZADD', quota .. ':kept', created, id)
  redis.call('PEXPIRE', quota .. ':running', ttl_ms)
  redis.call('PEXPIRE', quota .. ':kept', ttl_ms)
end
if idem ~= '' then redis.call('SET', idem, id .. ' ' .. fp, 'PX', ttl_ms) end
return {'created'}",
    )
});

/// A record, its owner compared first when one is given (so another
/// owner's task costs what an unknown ID does). ARGV: prefix, id, owner
/// ('' = any), grace_ms, ttl_ms, channel, now (s). Returns false, or
/// {fields, judgement ('' when none)}.
pub(super) static GET: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local id = ARGV[2]
local task = tkey(id)
if ARGV[3] ~= '' then
  if redis.call('HGET', task, 'owner') ~= ARGV[3] then return false end
elseif redis.call('EXISTS', task) == 0 then
  return false
end
local judged = judge(task, id, now_ms(), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], ARGV[7])
return {fields(task), judged or ''}",
    )
});

/// ARGV: prefix, index, limit (≥ 1), grace_ms, ttl_ms, channel, now (s).
/// Returns `{id, fields}` pairs; index entries whose record has expired are
/// dropped on the way.
pub(super) static LIST: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local now = now_ms()
local ids = redis.call('ZREVRANGE', ARGV[2], 0, tonumber(ARGV[3]) - 1)
local out = {}
for _, id in ipairs(ids) do
  local task = tkey(id)
  if redis.call('EXISTS', task) == 1 then
    judge(task, id, now, tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], ARGV[7])
    table.insert(out, {id, fields(task)})
  else
    redis.call('ZREM', ARGV[2], id)
  end
end
return out",
    )
});

/// ARGV: prefix, id, holder, now (s), lease_ms, channel. The holder's
/// pending task starts its next attempt. Returns the fields, or false.
pub(super) static START: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local id = ARGV[2]
local task = tkey(id)
local status, holder = unpack(redis.call('HMGET', task, 'status', 'holder'))
if not status then return false end
if status == 'pending' and holder == ARGV[3] then
  redis.call('HSET', task, 'status', 'running', 'started_at', ARGV[4])
  redis.call('HINCRBY', task, 'attempt', 1)
  redis.call('HDEL', task, 'lapsed', 'error')
  redis.call('ZADD', LIVE, now_ms() + tonumber(ARGV[5]), id)
  redis.call('PUBLISH', ARGV[6], id)
end
return fields(task)",
    )
});

/// ARGV: prefix, id, kind (complete|fail|cancel|abandon|retry|handback),
/// now (s), payload (result JSON, error or reason), ttl_ms, channel,
/// holder, lease_ms. Same rules as `TaskRecord::apply`: a finished record
/// never changes; only its holder puts a task back to pending (a retry, a
/// hand-back). An outcome is taken from whoever brings it first (an
/// instance that lost the task may finish it before the one that took it
/// over). Returns the fields, or false.
pub(super) static TRANSITION: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local id, kind, now_secs, payload = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local ttl_ms = tonumber(ARGV[6])
local task = tkey(id)
local status, holder, attempt = unpack(redis.call('HMGET', task, 'status', 'holder', 'attempt'))
if not status then return false end
local mine = holder == ARGV[8]
local changed = false
if kind == 'retry' then
  if status == 'running' and mine then
    redis.call('HSET', task, 'status', 'pending', 'error', payload)
    redis.call('ZADD', LIVE, now_ms() + tonumber(ARGV[9]), id)
    changed = true
  end
elseif kind == 'handback' then
  if unfinished(status) and mine then
    redis.call('HSET', task, 'status', 'pending', 'holder', '', 'queued_at', now_ms())
    if tonumber(attempt or '0') > 0 then redis.call('HINCRBY', task, 'handed_back', 1) end
    redis.call('HDEL', task, 'lapsed')
    redis.call('ZADD', LIVE, now_ms(), id)
    changed = true
  end
elseif unfinished(status) then
  local to = ({complete = 'completed', fail = 'failed', cancel = 'cancelled',
    abandon = 'cancelled'})[kind]
  redis.call('HDEL', task, 'error')
  redis.call('HSET', task, 'status', to, 'completed_at', now_secs)
  if kind == 'complete' then redis.call('HSET', task, 'result', payload) end
  if kind == 'fail' or kind == 'abandon' then redis.call('HSET', task, 'error', payload) end
  finish(task, id, ttl_ms)
  changed = true
end
if changed then redis.call('PUBLISH', ARGV[7], id) end
return fields(task)",
    )
});

/// ARGV: prefix, id, holder, lease_ms, ttl_ms. Renews the lease of the
/// holder's unfinished task. Returns its status while the holder still
/// holds it; 'lost' when it finished or another instance holds it; false
/// when it is gone.
pub(super) static RENEW: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local id = ARGV[2]
local task = tkey(id)
local status, holder, idem = unpack(redis.call('HMGET', task, 'status', 'holder', 'idem'))
if not status then return false end
if unfinished(status) and holder == ARGV[3] then
  redis.call('ZADD', LIVE, now_ms() + tonumber(ARGV[4]), id)
  redis.call('HDEL', task, 'lapsed')
  redis.call('PEXPIRE', task, ARGV[5])
  if idem then redis.call('PEXPIRE', idem, ARGV[5]) end
  return status
end
return 'lost'",
    )
});

/// ARGV: prefix, id, channel. Returns 1 when a record was removed; only
/// then is the change published (so deleting unknown IDs wakes no one).
pub(super) static DELETE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local id = ARGV[2]
local removed = remove(tkey(id), id)
if removed == 1 then redis.call('PUBLISH', ARGV[3], id) end
return removed",
    )
});

/// Looks at the leases past their end (see the module doc): claims up to
/// `limit` tasks of the routes this instance serves, fails the lost tasks
/// that cannot run again, and leaves the rest to instances that serve them
/// (failing one that waited `ttl_ms` unclaimed). ARGV: prefix, holder,
/// lease_ms, ttl_ms, grace_ms, limit, channel, now (s), route count, then
/// the routes. Returns {Redis ms now, {{id, all fields}…} claimed, {{id,
/// fields}…} failed}.
pub(super) static SWEEP: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local now = now_ms()
local me, lease_ms, ttl_ms, grace_ms = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local limit, channel, now_secs = tonumber(ARGV[6]), ARGV[7], ARGV[8]
local served = {}
for i = 10, 9 + tonumber(ARGV[9]) do served[ARGV[i]] = true end
local claimed, lost = {}, {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', LIVE, '-inf', now, 'LIMIT', 0, limit * 4 + 16)) do
  local task = tkey(id)
  local judged = judge(task, id, now, grace_ms, ttl_ms, channel, now_secs)
  if judged == 'failed' then
    lost[#lost + 1] = {id, fields(task)}
  elseif judged == 'requeued' or judged == 'queued' then
    local route, queued = unpack(redis.call('HMGET', task, 'route', 'queued_at'))
    if route and served[route] and #claimed < limit then
      redis.call('HSET', task, 'status', 'running', 'holder', me, 'started_at', now_secs)
      redis.call('HINCRBY', task, 'attempt', 1)
      redis.call('HDEL', task, 'lapsed', 'error', 'queued_at')
      redis.call('ZADD', LIVE, now + lease_ms, id)
      redis.call('PEXPIRE', task, ttl_ms)
      redis.call('PUBLISH', channel, id)
      claimed[#claimed + 1] = {id, redis.call('HGETALL', task)}
    elseif now - tonumber(queued or now) >= ttl_ms then
      fail(task, id, 'no instance serving its endpoint took the task over', now_secs, ttl_ms, channel)
      lost[#lost + 1] = {id, fields(task)}
    else
      redis.call('ZADD', LIVE, now + grace_ms, id)
    end
  end
end
return {now, claimed, lost}",
    )
});
