/*
 * The history's scripts (redis-history.ts): a room's history is its counter `{p}:hs:`, its
 * stream `{p}:h:` and its cids `{p}:hc:` and `{p}:hq:` (the key layout is in redis-lua.ts).
 *
 * Every operation is O(1) amortised per chat: retention and the dedupe window each remove a
 * bounded number of the oldest entries at a time (more than one per chat, so a backlog
 * drains), the stream's length is capped by XADD's approximate MAXLEN (on a room's first chat
 * in each script), and a page reads what it returns (and, only in a room whose oldest chats are
 * past their age, a bisection over the stream). What the bounded steps have not removed yet, a
 * page leaves out.
 *
 * Dedupe window (rule 12.4): a cid is a duplicate while its first chat is younger than the
 * window's time or among the room's last window-count seqs, whichever keeps more; each chat
 * forgets up to CID_STEP cids that are past both. Retention (rule 12.1): the stream keeps the
 * last maxPerRoom seqs (XADD MAXLEN ~, exact at read time), and every AGE_EVERY-th chat of a
 * room removes up to AGE_STEP of its oldest that are past maxAgeMs. An idle room's stream
 * expires maxAgeMs after its last chat, its cids after the longer of that and the window's
 * time (so an idle room's cids are remembered by count only until its history is gone); the
 * counter stays.
 */
/** The oldest cids looked at, per chat, for leaving the dedupe window. */
const CID_STEP = 2;
/** Every this many chats of a room, its oldest chat is looked at for its age... */
const AGE_EVERY = 8;
/** ...and up to this many of the oldest are removed if they are past it (4 per chat). */
const AGE_STEP = 32;

/** Reading a stream entry `{id, {field, value, ...}}`: its seq and one field. */
const ENTRY_FUNCTIONS = `
local function entrySeq(e)
  return tonumber(string.match(e[1], '^%d+'))
end
local function field(e, name)
  local f = e[2]
  for i = 1, #f, 2 do if f[i] == name then return f[i + 1] end end
  return nil
end
local function entryTs(e)
  return tonumber(field(e, 't')) or 0
end
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/** Publishing chats (RedisBus.publishChat) and reading a page of a room's history. */
export const HISTORY_SCRIPTS = {
  /**
   * A node's chats of one event-loop turn, numbered, kept and published in one script, in the
   * order given (redis-bus-scripts.ts). ARGV: p, deadline, maxPerRoom, maxAgeMs ('0': no
   * limit), dedupeWindowMs, dedupeWindowChats, then per chat: room, except, frame, from, msg,
   * cid ('' for none). Returns 0 when late (nothing done), else per chat {seq, ts, duplicate (0
   * or 1)}, with seq -1 for a chat refused by its fence (as publishRoom).
   *
   * Per chat it costs an XADD and a PUBLISH (and the cid's HGET, HSET and RPUSH for a chat with
   * one); the clock, the sender's room (the fence), the rooms' counters, trimming and expiry are
   * read and written once per script and room or sender.
   */
  publishChats:
    ENTRY_FUNCTIONS +
    `
local p, deadline = ARGV[1], ARGV[2]
local maxPerRoom, maxAgeMs = tonumber(ARGV[3]), tonumber(ARGV[4])
local windowMs, windowChats = tonumber(ARGV[5]), tonumber(ARGV[6])
local ts = now()
if deadline ~= '' and deadline ~= '0' and ts > tonumber(deadline) then return 0 end
local out, state, rooms, memberRoom = {}, {}, {}, {}
for i = 7, #ARGV, 6 do
  local room, except, frame = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local from, msg, cid = ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
  local fenced = false
  if deadline ~= '' and except ~= '' then
    local at = memberRoom[except]
    if at == nil then
      at = redis.call('HGET', p .. ':m:' .. except, 'room') or false
      memberRoom[except] = at
    end
    fenced = at ~= room
  end
  if fenced then
    out[#out + 1] = -1; out[#out + 1] = 0; out[#out + 1] = 0
  else
    local st = state[room]
    if not st then
      -- h and s: the room's last history seq and bus seq, read when first needed.
      st = { n = 0, cids = false }
      state[room] = st
      rooms[#rooms + 1] = room
    end
    local cids = p .. ':hc:' .. room
    local first = cid ~= '' and redis.call('HGET', cids, cid)
    local fseq, fts
    if first then
      local space = string.find(first, ' ', 1, true)
      fseq, fts = tonumber(string.sub(first, 1, space - 1)), tonumber(string.sub(first, space + 1))
      local last = st.h or tonumber(redis.call('GET', p .. ':hs:' .. room) or '0')
      if not (ts - fts < windowMs or last - fseq < windowChats) then fseq = nil end
    end
    if fseq then
      out[#out + 1] = fseq; out[#out + 1] = fts; out[#out + 1] = 1
    else
      local stream = p .. ':h:' .. room
      st.n = st.n + 1
      if st.n == 1 then
        -- The room's first chat in this script takes the counters' next numbers (the others
        -- are added at the end), and trims the stream to about maxPerRoom.
        st.h = redis.call('INCR', p .. ':hs:' .. room)
        st.s = redis.call('INCR', p .. ':s:' .. room)
        redis.call('XADD', stream, 'MAXLEN', '~', maxPerRoom, st.h .. '-0', 'f', from, 'm', msg, 't', ts)
      else
        st.h, st.s = st.h + 1, st.s + 1
        redis.call('XADD', stream, st.h .. '-0', 'f', from, 'm', msg, 't', ts)
      end
      if cid ~= '' then
        redis.call('HSET', cids, cid, st.h .. ' ' .. ts)
        redis.call('RPUSH', p .. ':hq:' .. room, st.h .. ' ' .. ts .. ' ' .. cid)
        st.cids = true
      end
      redis.call('PUBLISH', p .. ':room:' .. room,
        'H' .. st.s .. ' ' .. st.h .. ' ' .. ts .. ' ' .. except .. '\\n' .. frame)
      out[#out + 1] = st.h; out[#out + 1] = ts; out[#out + 1] = 0
    end
  end
end
for _, room in ipairs(rooms) do
  local st = state[room]
  if st.n > 0 then
    local stream, cids, order = p .. ':h:' .. room, p .. ':hc:' .. room, p .. ':hq:' .. room
    if st.n > 1 then
      redis.call('INCRBY', p .. ':hs:' .. room, st.n - 1)
      redis.call('INCRBY', p .. ':s:' .. room, st.n - 1)
    end
    -- Cids past the window, oldest first; a cid accepted again since has a newer entry, which
    -- stays.
    local remembering = st.cids
    for _ = 1, ${CID_STEP} * st.n do
      local e = redis.call('LINDEX', order, 0)
      if not e then break end
      remembering = true
      local a = string.find(e, ' ', 1, true)
      local b = string.find(e, ' ', a + 1, true)
      if ts - tonumber(string.sub(e, a + 1, b - 1)) < windowMs then break end
      if st.h - tonumber(string.sub(e, 1, a - 1)) < windowChats then break end
      redis.call('LPOP', order)
      local c = string.sub(e, b + 1)
      if redis.call('HGET', cids, c) == string.sub(e, 1, b - 1) then redis.call('HDEL', cids, c) end
    end
    if maxAgeMs > 0 then
      -- Chats past their age, oldest first, looked at every AGE_EVERY-th chat of the room; and a
      -- room left idle vanishes once its newest is old.
      local cut = ts - maxAgeMs
      local every = ${AGE_EVERY}
      local due = math.floor(st.h / every) > math.floor((st.h - st.n) / every)
      local oldest = due and redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
      if oldest and entryTs(oldest) < cut then
        local upTo = nil
        local step = math.max(${AGE_STEP}, ${AGE_STEP / AGE_EVERY} * st.n)
        for _, e in ipairs(redis.call('XRANGE', stream, '-', '+', 'COUNT', step)) do
          if entryTs(e) >= cut then break end
          upTo = entrySeq(e)
        end
        if upTo then redis.call('XTRIM', stream, 'MINID', (upTo + 1) .. '-0') end
      end
      redis.call('PEXPIRE', stream, maxAgeMs)
      if remembering then
        local ttl = math.max(maxAgeMs, windowMs)
        redis.call('PEXPIRE', cids, ttl)
        redis.call('PEXPIRE', order, ttl)
      end
    end
  end
end
return out
`,
  /**
   * ARGV: p, room, before ('' for none), after ('' for none), limit, maxPerRoom, maxAgeMs ('0':
   * no limit). Returns {gap, more, seq, ts, from, msg, seq, ts, from, msg, ...}, ascending.
   */
  historyPage:
    ENTRY_FUNCTIONS +
    `
local p, room = ARGV[1], ARGV[2]
local before, after, limit = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local maxPerRoom, maxAgeMs = tonumber(ARGV[6]), tonumber(ARGV[7])
local stream = p .. ':h:' .. room
local last = tonumber(redis.call('GET', p .. ':hs:' .. room) or '0')
local function id(n) return string.format('%d', n) end
-- The first entry at or after seq n, if any.
local function at(n) return redis.call('XRANGE', stream, id(n), '+', 'COUNT', 1)[1] end
-- What is kept: the room's last maxPerRoom seqs, from the first that is young enough. The
-- stream is a run of seqs in time order, so the first young one is found by bisection.
local lo = math.max(last - maxPerRoom + 1, 1)
if maxAgeMs > 0 then
  local cut = now() - maxAgeMs
  local e = at(lo)
  if e and entryTs(e) < cut then
    lo = entrySeq(e) + 1
    local hi = last + 1
    while lo < hi do
      local mid = math.floor((lo + hi) / 2)
      local m = at(mid)
      if not m or entryTs(m) >= cut then hi = mid else lo = entrySeq(m) + 1 end
    end
  end
end
local first = last + 1
local e = at(lo)
if e then first = entrySeq(e) end
local from, to = first, last
if before then to = math.min(to, before - 1) end
if after then from = math.max(from, after + 1) end
local out = {0, 0}
-- Removed by retention, or beyond the last seq: the client saw chats Redis no longer has.
if after and (after < first - 1 or after > last) then out[1] = 1 end
if from > to then return out end
local entries
if after then
  entries = redis.call('XRANGE', stream, id(from), id(to), 'COUNT', limit + 1)
else
  entries = redis.call('XREVRANGE', stream, id(to), id(from), 'COUNT', limit + 1)
end
local n = math.min(#entries, limit)
if #entries > limit then out[2] = 1 end
for i = 1, n do
  local ent = entries[after and i or n + 1 - i]
  out[#out + 1] = entrySeq(ent)
  out[#out + 1] = entryTs(ent)
  out[#out + 1] = field(ent, 'f') or ''
  out[#out + 1] = field(ent, 'm') or ''
end
return out
`,
} as const;
