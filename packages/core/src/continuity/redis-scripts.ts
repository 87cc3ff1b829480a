import { createHash } from 'node:crypto';

/**
 * The Lua scripts of the Redis store: each runs atomically in Redis, so checking a lease and
 * writing under it cannot interleave with another executor's claim.
 *
 * Layout (SCHEMA_VERSION 1), `<run>` being the hex SHA-256 of the run id:
 * - `runproof:meta` — hash: `schema_version`.
 * - `runproof:run:<run>` — hash: `status`, `updated_at`, `lease_token`, `lease_until`, `header`
 *   (the header's JSON, which holds the id), `step_seq`.
 * - `runproof:steps:<run>` — hash: step key → the step's JSON.
 * - `runproof:step-order:<run>` — sorted set: step key by `step_seq` when last written.
 * - `runproof:runs` and `runproof:runs:<status>` — sorted sets: `<run>` by `updated_at`.
 *
 * A completed run's three keys expire; their index entries are removed when found stale. The
 * status sets' names are built inside the scripts, so the store is for one Redis, not a cluster.
 */
export interface RedisScript {
  source: string;
  sha: string;
}

function script(source: string): RedisScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** The journal's reply: kind, header, then each step's JSON in write order. KEYS: run, steps, order. */
const JOURNAL = `
local function journal(kind)
  local reply = { kind, redis.call('HGET', KEYS[1], 'header') }
  for _, key in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    reply[#reply + 1] = redis.call('HGET', KEYS[2], key)
  end
  return reply
end
`;

/**
 * KEYS: run, steps, order, all runs, completed runs, the new header's status set.
 * ARGV: token, lease until, now, new header JSON, run member, new header status.
 * Reply: `{'claimed'}` for a new run, `{'claimed' | 'completed', header, ...steps}`, `{'busy', leaseUntil}`.
 */
export const CLAIM = script(`${JOURNAL}
if redis.call('EXISTS', KEYS[1]) == 0 then
  -- Never seen, or its journal expired: what is left of it is stale.
  redis.call('DEL', KEYS[2], KEYS[3])
  redis.call('ZREM', KEYS[5], ARGV[5])
  redis.call('HSET', KEYS[1], 'status', ARGV[6], 'updated_at', ARGV[3], 'lease_token', ARGV[1], 'lease_until', ARGV[2], 'header', ARGV[4])
  redis.call('ZADD', KEYS[4], ARGV[3], ARGV[5])
  redis.call('ZADD', KEYS[6], ARGV[3], ARGV[5])
  return { 'claimed' }
end
local run = redis.call('HMGET', KEYS[1], 'status', 'lease_token', 'lease_until')
if run[1] == 'completed' then return journal('completed') end
if run[2] and run[2] ~= ARGV[1] and tonumber(run[3]) > tonumber(ARGV[3]) then return { 'busy', run[3] } end
redis.call('HSET', KEYS[1], 'lease_token', ARGV[1], 'lease_until', ARGV[2])
return journal('claimed')
`);

/**
 * The header (and a step) under the lease. KEYS: run, steps, order, all runs.
 * ARGV: token, status, updated at, header JSON, '1' to release, run member, status set prefix,
 * completed TTL (ms), run key prefix, [step key, step JSON]. Reply: 1, or 0 when the lease is lost.
 */
export const WRITE = script(`
if redis.call('HGET', KEYS[1], 'lease_token') ~= ARGV[1] then return 0 end
local previous = redis.call('HGET', KEYS[1], 'status')
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'updated_at', ARGV[3], 'header', ARGV[4])
if ARGV[5] == '1' then redis.call('HDEL', KEYS[1], 'lease_token') end
if ARGV[10] then
  local seq = redis.call('HINCRBY', KEYS[1], 'step_seq', 1)
  redis.call('HSET', KEYS[2], ARGV[10], ARGV[11])
  redis.call('ZADD', KEYS[3], seq, ARGV[10])
end
redis.call('ZREM', ARGV[7] .. previous, ARGV[6])
redis.call('ZADD', ARGV[7] .. ARGV[2], ARGV[3], ARGV[6])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[6])
if ARGV[2] == 'completed' then
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[8]) end
  -- A few of the oldest completed entries whose journal expired leave the indexes.
  local completed = ARGV[7] .. 'completed'
  for _, member in ipairs(redis.call('ZRANGE', completed, 0, 9)) do
    if redis.call('EXISTS', ARGV[9] .. member) == 0 then
      redis.call('ZREM', completed, member)
      redis.call('ZREM', KEYS[4], member)
    end
  end
else
  for i = 1, 3 do redis.call('PERSIST', KEYS[i]) end
end
return 1
`);

/** KEYS: run. ARGV: token, lease until. Reply: 1, or 0 when the lease is lost. */
export const RENEW = script(`
if redis.call('HGET', KEYS[1], 'lease_token') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'lease_until', ARGV[2])
return 1
`);

/** KEYS: run, steps, order. Reply: `{'found', header, ...steps}`, or `{}`. */
export const READ = script(`${JOURNAL}
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
return journal('found')
`);

/**
 * KEYS: the set listed (all runs or one status), all runs, completed runs. ARGV: limit, run key
 * prefix, status ('' for all). Reply: headers, most recently changed first. Entries whose run
 * expired, or moved to another status, are removed on the way.
 */
export const LIST = script(`
local limit, headers, stale, offset = tonumber(ARGV[1]), {}, {}, 0
while #headers < limit do
  local members = redis.call('ZREVRANGE', KEYS[1], offset, offset + 99)
  if #members == 0 then break end
  for _, member in ipairs(members) do
    local run = redis.call('HMGET', ARGV[2] .. member, 'status', 'header')
    if not run[1] or (ARGV[3] ~= '' and run[1] ~= ARGV[3]) then
      stale[#stale + 1] = member
    elseif #headers < limit then
      headers[#headers + 1] = run[2]
    end
  end
  offset = offset + #members
end
for _, member in ipairs(stale) do
  redis.call('ZREM', KEYS[1], member)
  if redis.call('EXISTS', ARGV[2] .. member) == 0 then
    redis.call('ZREM', KEYS[2], member)
    redis.call('ZREM', KEYS[3], member)
  end
end
return headers
`);

/**
 * Up to a batch of completed runs changed before a time, with their steps. KEYS: completed runs,
 * all runs. ARGV: before (ms, exclusive), batch size, run, steps and order key prefixes.
 * Reply: `{removed, examined}`; fewer examined than the batch means none is left.
 */
export const REMOVE_COMPLETED = script(`
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local removed = 0
for _, member in ipairs(members) do
  if redis.call('HGET', ARGV[3] .. member, 'status') == 'completed' then
    redis.call('DEL', ARGV[3] .. member, ARGV[4] .. member, ARGV[5] .. member)
    removed = removed + 1
  end
  redis.call('ZREM', KEYS[1], member)
  if redis.call('EXISTS', ARGV[3] .. member) == 0 then redis.call('ZREM', KEYS[2], member) end
end
return { removed, #members }
`);
