/*
 * The bus's scripts (redis-bus-scripts.ts), with the same prelude as the directory's
 * (redis-lua.ts, where the key layout is): a room's chats take the next number of its sequence
 * and are fenced on their sender, whispers on theirs. A chat kept in history is published by
 * the history's script (redis-history-lua.ts), which does the same and also numbers and keeps it.
 */
import { HISTORY_SCRIPTS } from './redis-history-lua.js';
import { PRELUDE } from './redis-lua.js';

/**
 * What a node publishes: its chats (numbered in the room's sequence, and in its history when
 * history is on) and its whispers.
 */
export const BUS_SCRIPTS = {
  publishRoom:
    PRELUDE +
    `
local p, room, deadline, except, frame = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if late(deadline) then return 0 end
if deadline ~= '' and except ~= '' and redis.call('HGET', p .. ':m:' .. except, 'room') ~= room then
  return -1
end
local s = seq(p, room)
redis.call('PUBLISH', p .. ':room:' .. room, 'R' .. s .. ' ' .. except .. '\\n' .. frame)
return s
`,
  publishNode:
    PRELUDE +
    `
local p, node, deadline, sender, payload = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if late(deadline) then return 0 end
if deadline ~= '' and sender ~= '' and redis.call('EXISTS', p .. ':m:' .. sender) == 0 then
  return -1
end
redis.call('PUBLISH', p .. ':node:' .. node, payload)
return 1
`,
  publishChats: HISTORY_SCRIPTS.publishChats,
  /** Reads the rooms' sequence numbers (nil for a room whose sequence is gone). */
  sequences: `
local p = ARGV[1]
local numbers = {}
for i = 2, #ARGV do numbers[i - 1] = redis.call('GET', p .. ':s:' .. ARGV[i]) or false end
return numbers
`,
} as const;
