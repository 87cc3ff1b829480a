import { createHash } from 'node:crypto';
import type { BaselineObservation, BaselineValue } from './baselines.ts';
import type { RedisScript } from './redis-scripts.ts';

/*
 * The drift baselines of the Redis store (see `BaselineStore`), under their own schema version
 * (`baselines_schema_version` in `runproof:meta`):
 * - `runproof:baseline:<subject>` — hash, one per subject: `v\n<kind>\n<value>` → `<first seen> <last
 *   seen> <count>`; `b\n<kind>` → `<baseline since>\n<value>`; `c` → the subject's context (JSON);
 *   `d\n<kind>\n<value>` → the value's detail (JSON).
 * - `runproof:baselines` — sorted set: subjects by their last sighting (what a listing reads).
 * Baselines never expire: they are what a fleet compares against, however long ago it was set.
 */

export const BASELINE_KEY_PREFIX = 'runproof:baseline:';
export const BASELINE_INDEX = 'runproof:baselines';

function script(source: string): RedisScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** A hash's fields and values with its subject first: `{subject, field, value, …}`, for each subject. */
const REPLY = `
local function subjects_reply(keys, names)
  local reply = {}
  for i, key in ipairs(keys) do
    local entry = redis.call('HGETALL', key)
    table.insert(entry, 1, names[i])
    reply[#reply + 1] = entry
  end
  return reply
end
`;

/** KEYS: meta. ARGV: this Runproof's version. Reply: the version the store records. */
export const BASELINES_VERSION = script(`
redis.call('HSETNX', KEYS[1], 'baselines_schema_version', ARGV[1])
return redis.call('HGET', KEYS[1], 'baselines_schema_version')
`);

/** KEYS: the subjects' hashes. ARGV: the subjects. Reply: see REPLY. */
export const READ_BASELINES = script(`${REPLY}
return subjects_reply(KEYS, ARGV)
`);

/**
 * KEYS: the index, then each subject's hash. ARGV: the number of subjects, the subjects (in the
 * order of their keys), then 8 per observation: its subject's position among the subjects
 * (1-based), kind, value, count, first seen, last seen, context ('' for none), detail ('' for none).
 * Reply: see REPLY, for every subject of the batch.
 */
export const RECORD_OBSERVATIONS = script(`${REPLY}
local subjects = tonumber(ARGV[1])
local names, keys = {}, {}
for i = 1, subjects do
  names[i] = ARGV[1 + i]
  keys[i] = KEYS[1 + i]
end
local touched, seen = {}, {}
for base = 2 + subjects, #ARGV, 8 do
  local position = tonumber(ARGV[base])
  local key, kind, value = keys[position], ARGV[base + 1], ARGV[base + 2]
  local count, first, last = tonumber(ARGV[base + 3]), tonumber(ARGV[base + 4]), tonumber(ARGV[base + 5])
  local field = 'v\\n' .. kind .. '\\n' .. value
  local old = redis.call('HGET', key, field)
  if old then
    local f, l, c = string.match(old, '^(%d+) (%d+) (%d+)$')
    first = math.min(first, tonumber(f))
    last = math.max(last, tonumber(l))
    count = count + tonumber(c)
  end
  redis.call('HSET', key, field, string.format('%d %d %d', first, last, count))
  if ARGV[base + 6] ~= '' then redis.call('HSETNX', key, 'c', ARGV[base + 6]) end
  if ARGV[base + 7] ~= '' then redis.call('HSETNX', key, 'd\\n' .. kind .. '\\n' .. value, ARGV[base + 7]) end
  local score = redis.call('ZSCORE', KEYS[1], names[position])
  if not score or tonumber(score) < last then redis.call('ZADD', KEYS[1], last, names[position]) end
  if not seen[key .. '\\n' .. kind] then
    seen[key .. '\\n' .. kind] = true
    touched[#touched + 1] = { key, kind }
  end
end
-- A subject and kind without a baseline takes its earliest value, as of that value's first sighting.
for _, pair in ipairs(touched) do
  local key, kind = pair[1], pair[2]
  if redis.call('HEXISTS', key, 'b\\n' .. kind) == 0 then
    local prefix = 'v\\n' .. kind .. '\\n'
    local best_value, best_first
    local fields = redis.call('HGETALL', key)
    for i = 1, #fields, 2 do
      if string.sub(fields[i], 1, #prefix) == prefix then
        local value = string.sub(fields[i], #prefix + 1)
        local first = tonumber(string.match(fields[i + 1], '^(%d+)'))
        if not best_first or first < best_first or (first == best_first and value < best_value) then
          best_value, best_first = value, first
        end
      end
    end
    redis.call('HSET', key, 'b\\n' .. kind, string.format('%d', best_first) .. '\\n' .. best_value)
  end
end
return subjects_reply(keys, names)
`);

/** KEYS: the subject's hash. ARGV: kind, from, to, at. Reply: 1 when it moved, else 0. */
export const MOVE_BASELINE = script(`
local current = redis.call('HGET', KEYS[1], 'b\\n' .. ARGV[1])
if not current or string.match(current, '^%d+\\n(.*)$') ~= ARGV[2] then return 0 end
if redis.call('HEXISTS', KEYS[1], 'v\\n' .. ARGV[1] .. '\\n' .. ARGV[3]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'b\\n' .. ARGV[1], ARGV[4] .. '\\n' .. ARGV[3])
return 1
`);

/**
 * KEYS: the index. ARGV: since (epoch ms), limit, the subject key prefix. Reply: see REPLY, for the
 * most recently seen subjects; index entries whose hash is gone are removed.
 */
export const LIST_BASELINES = script(`${REPLY}
local names = redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local keys, kept = {}, {}
for _, name in ipairs(names) do
  if redis.call('EXISTS', ARGV[3] .. name) == 1 then
    kept[#kept + 1] = name
    keys[#keys + 1] = ARGV[3] .. name
  else
    redis.call('ZREM', KEYS[1], name)
  end
end
return subjects_reply(keys, kept)
`);

/** The arguments of {@link RECORD_OBSERVATIONS} for a batch: its keys and its argv. */
export function recordArguments(batch: readonly BaselineObservation[]): { keys: string[]; args: string[] } {
  const positions = new Map<string, number>();
  for (const observation of batch)
    if (!positions.has(observation.subject)) positions.set(observation.subject, positions.size + 1);
  const subjects = [...positions.keys()];
  const args = [String(subjects.length), ...subjects];
  for (const observation of batch) {
    args.push(
      String(positions.get(observation.subject)),
      observation.kind,
      observation.value,
      String(observation.count),
      String(observation.firstSeen),
      String(observation.lastSeen),
      observation.context ?? '',
      observation.detail ?? '',
    );
  }
  return { keys: [BASELINE_INDEX, ...subjects.map((subject) => BASELINE_KEY_PREFIX + subject)], args };
}

/** The values in a reply of the scripts above. */
export function valuesOfReply(reply: unknown): BaselineValue[] {
  const values: BaselineValue[] = [];
  for (const entry of reply as string[][]) {
    const [subject, ...fields] = entry;
    const hash = new Map<string, string>();
    for (let index = 0; index + 1 < fields.length; index += 2) hash.set(fields[index]!, fields[index + 1]!);
    const context = hash.get('c');
    for (const [field, text] of hash) {
      if (!field.startsWith('v\n')) continue;
      const separator = field.indexOf('\n', 2);
      const kind = field.slice(2, separator);
      const value = field.slice(separator + 1);
      const [first, last, count] = text.split(' ').map(Number) as [number, number, number];
      const row: BaselineValue = { subject: subject!, kind, value, firstSeen: first, lastSeen: last, count };
      const baseline = hash.get(`b\n${kind}`);
      const newline = baseline?.indexOf('\n') ?? -1;
      if (baseline !== undefined && baseline.slice(newline + 1) === value)
        row.baselineSince = Number(baseline.slice(0, newline));
      if (context !== undefined) row.context = context;
      const detail = hash.get(`d\n${kind}\n${value}`);
      if (detail !== undefined) row.detail = detail;
      values.push(row);
    }
  }
  return values;
}
