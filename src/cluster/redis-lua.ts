/*
 * The cluster's shared state in Redis: the directory, the node registry and the rooms' history
 * (redis-history-lua.ts). Every change is one Lua script, so it is atomic against every other
 * change from any node. All keys share the hash tag `{prefix}`, so they live in one slot and the
 * scripts also run on Redis Cluster (docs/DEVELOPING.md, "Cluster").
 *
 *   {p}:nicks            hash    nickname key -> member id (every key of a nickname)
 *   {p}:m:<id>           hash    nickname, nick (its keys, joined by newlines), room (key), ip,
 *                                port, node
 *   {p}:r:<room key>     zset    member ids scored by join order (a rename re-scores: last)
 *   {p}:rooms            hash    room key -> display name, for rooms with members
 *   {p}:counts           hash    room key -> member count, for rooms with members (for ROOMS)
 *   {p}:seq              string  join-order counter
 *   {p}:n:<node>         set     member ids of a node
 *   {p}:nodes            set     nodes that have sent a heartbeat
 *   {p}:alive:<node>     string  present while the node's heartbeat lasts (PX ttl)
 *   {p}:reaped:<node>    string  a node whose members were removed for silence (kept 1 h)
 *
 *   {p}:s:<room key>     string  the room's message sequence number (dropped when it empties)
 *
 *   {p}:hs:<room key>    string  the room's last history seq: never dropped, never expires
 *   {p}:h:<room key>     stream  its kept chats, id `<seq>-0`, fields f (from), m (msg), t (ts)
 *   {p}:hc:<room key>    hash    cid -> `<seq> <ts>` of the chat first accepted with it
 *   {p}:hq:<room key>    list    `<seq> <ts> <cid>` as accepted, to forget cids oldest first
 *
 * Every change that a room's members see is announced in the same script, by a PUBLISH to the
 * room's channel `{p}:room:<room key>` (redis-bus.ts): `E<seq> ` and the event as JSON, with the
 * keys k (kind: join, leave or rename), i (member id), n (nickname), c (the room's count), r (the
 * room's display name, on a join), m (the new nickname, on a rename) and t (on a move's leave,
 * the display name of the room moved to). So the order of a
 * room's announcements is the directory's (docs/protocol.md, rule 9.4). Chats are published by
 * a script too (`R<seq> <except>\n<frame>`, or with history `H<seq> <history seq> <ts>
 * <except>\n<frame>`, numbered and kept in the same script), so every message of a room has the
 * next number of the room's sequence, and a node can tell when it missed some (rule 9.13).
 *
 * A change made on a client's behalf carries a deadline, in Redis's own time: a script that
 * starts after it does nothing and says `late`, so a command that reached Redis after its node
 * gave up on it (a frozen or partitioned Redis) never takes effect (rule 9.8). Such a change is
 * also fenced: a claim only for a node whose heartbeat is alive, a chat only from a member of
 * the room, a whisper only from a member: so a node that other nodes took for dead cannot add
 * members, and a member announced as gone cannot speak under a nickname someone else may hold
 * by now (rule 9.14). A script that refuses for that says `fenced`.
 */

/**
 * Shared by every script that changes something: the deadline check, the room's sequence, and
 * the announcement of a membership event.
 */
export const PRELUDE = `
local function late(deadline)
  if deadline == nil or deadline == '' or deadline == '0' then return false end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > tonumber(deadline)
end
local function fenced(p, deadline, node)
  if deadline == nil or deadline == '' then return false end
  return redis.call('EXISTS', p .. ':alive:' .. node) == 0
end
local function seq(p, room)
  return redis.call('INCR', p .. ':s:' .. room)
end
local function announce(p, room, event)
  redis.call('PUBLISH', p .. ':room:' .. room, 'E' .. seq(p, room) .. ' ' .. cjson.encode(event))
end
local function split(keys)
  local t = {}
  for key in string.gmatch(keys, '[^\\n]+') do t[#t + 1] = key end
  return t
end
`;

/** Removes a member, announcing it if asked; returns {nickname, room name, members left, id}. */
const RELEASE_FUNCTION =
  PRELUDE +
  `
local function release(p, id, tell)
  local m = p .. ':m:' .. id
  local f = redis.call('HMGET', m, 'nickname', 'nick', 'room', 'node')
  if not f[1] then return nil end
  redis.call('DEL', m)
  for _, key in ipairs(split(f[2])) do redis.call('HDEL', p .. ':nicks', key) end
  local set = p .. ':r:' .. f[3]
  redis.call('ZREM', set, id)
  local count = redis.call('ZCARD', set)
  local name = redis.call('HGET', p .. ':rooms', f[3]) or f[3]
  if count == 0 then
    redis.call('HDEL', p .. ':rooms', f[3])
    redis.call('HDEL', p .. ':counts', f[3])
  else
    redis.call('HSET', p .. ':counts', f[3], count)
  end
  redis.call('SREM', p .. ':n:' .. f[4], id)
  if tell then announce(p, f[3], {k = 'leave', i = id, n = f[1], c = count}) end
  if count == 0 then redis.call('DEL', p .. ':s:' .. f[3]) end
  return {f[1], name, count, id}
end
`;

/** The directory's changes and reads, one script each. */
export const DIRECTORY_SCRIPTS = {
  claim:
    PRELUDE +
    `
local p, id, nick, nickname, room, roomName = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local ip, port, node, capacity, tell = ARGV[7], ARGV[8], ARGV[9], tonumber(ARGV[10]), ARGV[11]
if late(ARGV[12]) then return {0, 'late'} end
if fenced(p, ARGV[12], node) then return {0, 'fenced'} end
local nicks = split(nick)
local holder = redis.call('HGET', p .. ':nicks', nicks[1])
if holder == id then
  -- The same claim again (its answer was lost): the same outcome, announced once.
  local held = redis.call('HGET', p .. ':m:' .. id, 'room')
  return {1, redis.call('HGET', p .. ':rooms', held) or held, redis.call('ZCARD', p .. ':r:' .. held)}
end
for _, key in ipairs(nicks) do
  if redis.call('HEXISTS', p .. ':nicks', key) == 1 then return {0, 'nickname-taken'} end
end
local set = p .. ':r:' .. room
local count = redis.call('ZCARD', set)
if capacity >= 0 and count >= capacity then return {0, 'room-full'} end
local name = redis.call('HGET', p .. ':rooms', room)
if not name then
  name = roomName
  redis.call('HSET', p .. ':rooms', room, name)
end
for _, key in ipairs(nicks) do redis.call('HSET', p .. ':nicks', key, id) end
redis.call('HSET', p .. ':m:' .. id, 'nickname', nickname, 'nick', nick, 'room', room, 'ip', ip, 'port', port, 'node', node)
redis.call('ZADD', set, redis.call('INCR', p .. ':seq'), id)
redis.call('HSET', p .. ':counts', room, count + 1)
redis.call('SADD', p .. ':n:' .. node, id)
if tell == '1' then
  announce(p, room, {k = 'join', i = id, n = nickname, c = count + 1, r = name})
end
return {1, name, count + 1}
`,
  rename:
    PRELUDE +
    `
local p, id, nick, nickname = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if late(ARGV[5]) then return {0, 'late'} end
local m = p .. ':m:' .. id
local old = redis.call('HMGET', m, 'nickname', 'nick', 'room')
if not old[1] then return {0, 'not-found'} end
-- The same rename again (its answer was lost): done already, announced once.
if old[1] == nickname then return {1, nickname, redis.call('HGET', p .. ':rooms', old[3]) or old[3]} end
local nicks = split(nick)
for _, key in ipairs(nicks) do
  local holder = redis.call('HGET', p .. ':nicks', key)
  if holder and holder ~= id then return {0, 'nickname-taken'} end
end
for _, key in ipairs(split(old[2])) do redis.call('HDEL', p .. ':nicks', key) end
for _, key in ipairs(nicks) do redis.call('HSET', p .. ':nicks', key, id) end
redis.call('HSET', m, 'nickname', nickname, 'nick', nick)
redis.call('ZADD', p .. ':r:' .. old[3], redis.call('INCR', p .. ':seq'), id)
announce(p, old[3], {k = 'rename', i = id, n = old[1], m = nickname})
return {1, old[1], redis.call('HGET', p .. ':rooms', old[3]) or old[3]}
`,
  move:
    PRELUDE +
    `
local p, id, to, toName, capacity = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
if late(ARGV[6]) then return {0, 'late'} end
local m = p .. ':m:' .. id
local f = redis.call('HMGET', m, 'room', 'nickname')
local from, nickname = f[1], f[2]
if not from then return {0, 'not-found'} end
if from == to then return {0, 'same-room'} end
local toSet = p .. ':r:' .. to
local toCount = redis.call('ZCARD', toSet)
if toCount >= capacity then return {0, 'room-full'} end
local fromSet = p .. ':r:' .. from
local fromName = redis.call('HGET', p .. ':rooms', from) or from
redis.call('ZREM', fromSet, id)
local fromCount = redis.call('ZCARD', fromSet)
redis.call('HSET', p .. ':counts', to, toCount + 1)
local name = redis.call('HGET', p .. ':rooms', to)
if not name then
  name = toName
  redis.call('HSET', p .. ':rooms', to, name)
end
redis.call('ZADD', toSet, redis.call('INCR', p .. ':seq'), id)
redis.call('HSET', m, 'room', to)
announce(p, from, {k = 'leave', i = id, n = nickname, c = fromCount, t = name})
if fromCount == 0 then
  redis.call('HDEL', p .. ':rooms', from)
  redis.call('HDEL', p .. ':counts', from)
  redis.call('DEL', p .. ':s:' .. from)
else
  redis.call('HSET', p .. ':counts', from, fromCount)
end
announce(p, to, {k = 'join', i = id, n = nickname, c = toCount + 1, r = name})
return {1, fromName, fromCount, name, toCount + 1}
`,
  release:
    RELEASE_FUNCTION +
    `
local p, id, tell, nickname, room = ARGV[1], ARGV[2], ARGV[3] == '1', ARGV[4], ARGV[5]
local r = release(p, id, tell)
if r then return r end
-- Not listed: if Redis lost it, its room was never told; tell the room as it is now.
if tell and nickname ~= '' then
  local count = redis.call('ZCARD', p .. ':r:' .. room)
  if count > 0 then announce(p, room, {k = 'leave', i = id, n = nickname, c = count}) end
end
return {}
`,
  members: `
local p, room = ARGV[1], ARGV[2]
local name = redis.call('HGET', p .. ':rooms', room)
if not name then return {} end
local out = {name}
for _, id in ipairs(redis.call('ZRANGE', p .. ':r:' .. room, 0, -1)) do
  local f = redis.call('HMGET', p .. ':m:' .. id, 'nickname', 'ip', 'port', 'node')
  if f[1] then
    out[#out + 1] = id
    out[#out + 1] = f[1]
    out[#out + 1] = f[2]
    out[#out + 1] = f[3]
    out[#out + 1] = f[4]
  end
end
return out
`,
  find:
    PRELUDE +
    `
local p, nick = ARGV[1], ARGV[2]
local id
for _, key in ipairs(split(nick)) do
  id = id or redis.call('HGET', p .. ':nicks', key)
end
if not id then return {} end
local f = redis.call('HMGET', p .. ':m:' .. id, 'nickname', 'room', 'ip', 'port', 'node')
if not f[1] then return {} end
return {id, f[1], redis.call('HGET', p .. ':rooms', f[2]) or f[2], f[3], f[4], f[5]}
`,
  // Two hashes kept up to date by every change: no per-room work in the script.
  rooms: `
local p = ARGV[1]
return {redis.call('HGETALL', p .. ':rooms'), redis.call('HGETALL', p .. ':counts')}
`,
} as const;

/** Node liveness: heartbeats, the dead, reaping, retiring. */
export const REGISTRY_SCRIPTS = {
  heartbeat: `
local p, node, ttl = ARGV[1], ARGV[2], ARGV[3]
local state = 'known'
if redis.call('SISMEMBER', p .. ':nodes', node) == 0 then
  if redis.call('DEL', p .. ':reaped:' .. node) == 1 then state = 'reaped' else state = 'fresh' end
  redis.call('SADD', p .. ':nodes', node)
end
redis.call('SET', p .. ':alive:' .. node, '1', 'PX', ttl)
return state
`,
  dead: `
local p = ARGV[1]
local out = {}
for _, node in ipairs(redis.call('SMEMBERS', p .. ':nodes')) do
  if redis.call('EXISTS', p .. ':alive:' .. node) == 0 then out[#out + 1] = node end
end
return out
`,
  reap:
    RELEASE_FUNCTION +
    `
local p, node = ARGV[1], ARGV[2]
if redis.call('EXISTS', p .. ':alive:' .. node) == 1 then return {} end
local known = redis.call('SREM', p .. ':nodes', node)
local ids = redis.call('SMEMBERS', p .. ':n:' .. node)
if known == 1 or #ids > 0 then redis.call('SET', p .. ':reaped:' .. node, '1', 'EX', 3600) end
local out = {}
for _, id in ipairs(ids) do
  local r = release(p, id, true)
  if r then
    out[#out + 1] = r[1]
    out[#out + 1] = r[2]
    out[#out + 1] = r[3]
    out[#out + 1] = r[4]
  end
end
redis.call('DEL', p .. ':n:' .. node)
return out
`,
  nodeMembers: `
local p, node = ARGV[1], ARGV[2]
return redis.call('SMEMBERS', p .. ':n:' .. node)
`,
  retire:
    RELEASE_FUNCTION +
    `
local p, node = ARGV[1], ARGV[2]
for _, id in ipairs(redis.call('SMEMBERS', p .. ':n:' .. node)) do release(p, id, true) end
redis.call('SREM', p .. ':nodes', node)
redis.call('DEL', p .. ':alive:' .. node, p .. ':n:' .. node)
return 1
`,
} as const;
