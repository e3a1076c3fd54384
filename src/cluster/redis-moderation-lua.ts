/*
 * The moderation store's scripts (redis-moderation.ts), beside the directory's keys
 * (redis-lua.ts) under the same hash tag. `<what>` is `ban` or `mute`:
 *
 *   {p}:mod:ids              hash    ban, mute, audit -> the last id handed out
 *   {p}:mod:<what>:<id>      string  the entry's record (JSON); expires with the entry (PXAT)
 *   {p}:mod:<what>s          zset    ids of the entries, scored by expiresAt (inf: until lifted)
 *   {p}:mod:bn:<nick key>    string  the id of the ban holding this nickname key, expiring alike
 *   {p}:mod:ba:<block>       string  the id of the ban of this address block (canonical text)
 *   {p}:mod:mn:<nick key>    string  the id of the mute holding this nickname key
 *   {p}:mod:audit            zset    audit records (JSON), scored by id
 *
 * A record is the JSON the node sent with `"id"` put first, and `"keys"`: the index keys it
 * holds (`bn:...`), so that whoever lifts or replaces it removes them all. Each key holds one
 * entry at most: a new entry first removes every entry holding one of its keys.
 *
 * Expiry is by the node's clock (its `now`, given to every script that changes something), as
 * in the other stores: an entry past it is left out of every answer, and a change removes it
 * without telling anyone. Redis removes the keys by itself at expiresAt by its own clock, so
 * an expired entry is gone without anyone asking; the zsets' expired ids go at the next change.
 *
 * Every change is published on `{p}:mod:changes` by the script that made it, as `+<what> ` or
 * `-<what> ` and the record: every node hears of it, in the order the changes were made.
 */
import { PRELUDE } from './redis-lua.js';

const FUNCTIONS = `
local function index(p, suffix) return p .. ':mod:' .. suffix end
local function put(key, value, expiresAt)
  if expiresAt == '' then
    redis.call('SET', key, value)
  else
    redis.call('SET', key, value, 'PXAT', expiresAt)
  end
end
local function alive(decoded, now)
  local e = decoded.expiresAt
  return type(e) ~= 'number' or e > tonumber(now)
end
-- Removes an entry and the index keys that still name it; its record if it was alive at now.
local function drop(p, what, id, now)
  local key = p .. ':mod:' .. what .. ':' .. id
  local record = redis.call('GET', key)
  redis.call('ZREM', p .. ':mod:' .. what .. 's', id)
  if not record then return nil end
  redis.call('DEL', key)
  local decoded = cjson.decode(record)
  for _, suffix in ipairs(decoded.keys) do
    if redis.call('GET', index(p, suffix)) == id then redis.call('DEL', index(p, suffix)) end
  end
  if alive(decoded, now) then return record end
  return nil
end
-- Removes every entry holding one of the index keys; the records of those alive, published.
local function lift(p, what, suffixes, now)
  local lifted, seen = {}, {}
  for _, suffix in ipairs(suffixes) do
    local id = redis.call('GET', index(p, suffix))
    if id and not seen[id] then
      seen[id] = true
      local record = drop(p, what, id, now)
      if record then
        lifted[#lifted + 1] = record
        redis.call('PUBLISH', p .. ':mod:changes', '-' .. what .. ' ' .. record)
      end
    end
  end
  return lifted
end
`;

/** Every script takes the hash-tagged prefix first (redis-scripts.ts, Scripts). */
export const MODERATION_SCRIPTS = {
  /**
   * ARGV: p, deadline, what, body (JSON, its keys in it), expiresAt ('' until lifted), now,
   * index keys... Returns 0 when late, else the new record.
   */
  addEntry:
    PRELUDE +
    FUNCTIONS +
    `
local p, deadline, what, body, expiresAt, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if late(deadline) then return 0 end
local suffixes = {unpack(ARGV, 7)}
lift(p, what, suffixes, now)
local set = p .. ':mod:' .. what .. 's'
redis.call('ZREMRANGEBYSCORE', set, '-inf', now)
local id = tostring(redis.call('HINCRBY', p .. ':mod:ids', what, 1))
local record = '{"id":"' .. id .. '",' .. string.sub(body, 2)
put(p .. ':mod:' .. what .. ':' .. id, record, expiresAt)
for _, suffix in ipairs(suffixes) do put(index(p, suffix), id, expiresAt) end
redis.call('ZADD', set, expiresAt == '' and 'inf' or expiresAt, id)
redis.call('PUBLISH', p .. ':mod:changes', '+' .. what .. ' ' .. record)
return record
`,
  /**
   * ARGV: p, deadline, what, now, index keys... Returns 0 when late, else {records of the
   * entries lifted}.
   */
  removeEntries:
    PRELUDE +
    FUNCTIONS +
    `
local p, deadline, what, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if late(deadline) then return 0 end
local lifted = lift(p, what, {unpack(ARGV, 5)}, now)
redis.call('ZREMRANGEBYSCORE', p .. ':mod:' .. what .. 's', '-inf', now)
return lifted
`,
  /** ARGV: p, what, now. Returns the records of the entries alive after now (by their score). */
  listEntries: `
local p, what, now = ARGV[1], ARGV[2], ARGV[3]
local ids = redis.call('ZRANGEBYSCORE', p .. ':mod:' .. what .. 's', '(' .. now, '+inf')
local records = {}
-- MGET in slices: a script's call takes a bounded number of arguments.
for first = 1, #ids, 1000 do
  local keys = {}
  for i = first, math.min(first + 999, #ids) do keys[#keys + 1] = p .. ':mod:' .. what .. ':' .. ids[i] end
  for _, record in ipairs(redis.call('MGET', unpack(keys))) do
    if record then records[#records + 1] = record end
  end
end
return records
`,
  /** ARGV: p, what, index keys... Returns the records of the entries holding any of them. */
  findEntries: `
local p, what = ARGV[1], ARGV[2]
local records, seen = {}, {}
for i = 3, #ARGV do
  local id = redis.call('GET', p .. ':mod:' .. ARGV[i])
  if id and not seen[id] then
    seen[id] = true
    local record = redis.call('GET', p .. ':mod:' .. what .. ':' .. id)
    if record then records[#records + 1] = record end
  end
end
return records
`,
  /** ARGV: p, body (JSON). Returns the record, its id put first. */
  appendAudit: `
local p = ARGV[1]
local id = redis.call('HINCRBY', p .. ':mod:ids', 'audit', 1)
local record = '{"id":' .. id .. ',' .. string.sub(ARGV[2], 2)
redis.call('ZADD', p .. ':mod:audit', id, record)
return record
`,
  /** ARGV: p, before ('' for none), count. Returns up to count records older than before, newest first. */
  auditPage: `
local p, before, count = ARGV[1], ARGV[2], ARGV[3]
local max = before == '' and '+inf' or '(' .. before
return redis.call('ZREVRANGEBYSCORE', p .. ':mod:audit', max, '-inf', 'LIMIT', 0, count)
`,
} as const;
