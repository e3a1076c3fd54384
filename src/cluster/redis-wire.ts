import type { RoomDelivery } from '../backends/bus.js';
import type { MembershipEvent } from '../backends/membership-events.js';

/*
 * What travels on the cluster's channels (redis-bus.ts), and how a node reads it. Each room
 * message carries its number in the room's sequence:
 *
 *   R<seq> <except>\n<frame>   a room frame (a chat); <except> the member id it skips, or empty
 *   H<seq> <hseq> <ts> <except>\n<frame>
 *                              a chat kept in history (redis-history-lua.ts): <hseq> its number
 *                              in the room's history and <ts> its time (ms, Redis's clock), which
 *                              the receiving node adds to the frame for members with the
 *                              `history` capability (docs/protocol.md, rule 12.2); <frame> is
 *                              CHAT_RESPONSE `70` without them
 *   E<seq> <event JSON>         a membership event, published by the directory's scripts
 *   W<whisper JSON>             a whisper {to, from, msg}, on a node's channel
 *   K<kick JSON>                an operator's kick {to, by, reason}, on a node's channel
 *   F<token>                    a flush token, on a node's own channel
 *
 * A frame must be what Natter writes: one JSON object with a string `cmd`, on one line, in
 * UTF-8. Anything else is not read (rule 9.10).
 */

export const ROOM = 0x52; // 'R'
export const HISTORY = 0x48; // 'H'
export const EVENT = 0x45; // 'E'
export const WHISPER = 0x57; // 'W'
export const KICK = 0x4b; // 'K'
export const FLUSH = 0x46; // 'F'
const LF = 0x0a;
const SPACE = 0x20;
/** Longest header (a sequence number and a member id) a room payload may carry. */
const MAX_HEADER = 256;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A numbered room message: a frame, or a membership event. */
export type Numbered =
  | { readonly seq: number; readonly delivery: RoomDelivery }
  | { readonly seq: number; readonly event: MembershipEvent };

/** Parses `R<seq> <except>\n<frame>`; undefined if it is anything else. */
export function parseRoomFrame(room: string, message: Buffer): Numbered | undefined {
  const newline = message.indexOf(LF);
  if (newline <= 0 || newline > MAX_HEADER) return undefined;
  const head = message.toString('latin1', 1, newline).split(' ');
  const frame = message.subarray(newline + 1);
  if (head.length !== 2 || !isFrame(frame)) return undefined;
  const [seqText, except] = head as [string, string];
  const seq = sequenceNumber(seqText);
  if (seq === undefined) return undefined;
  const delivery: RoomDelivery =
    except === '' ? { kind: 'room', room, frame } : { kind: 'room', room, frame, except };
  return { seq, delivery };
}

/** Parses `H<seq> <hseq> <ts> <except>\n<frame>`; undefined if it is anything else. */
export function parseHistoryFrame(room: string, message: Buffer): Numbered | undefined {
  const newline = message.indexOf(LF);
  if (newline <= 0 || newline > MAX_HEADER) return undefined;
  const head = message.toString('latin1', 1, newline).split(' ');
  const frame = message.subarray(newline + 1);
  // The seq and ts go in before the frame's closing brace.
  if (head.length !== 4 || frame[frame.length - 2] !== 0x7d || !isFrame(frame)) return undefined;
  const [seqText, hseqText, tsText, except] = head as [string, string, string, string];
  const seq = sequenceNumber(seqText);
  const hseq = sequenceNumber(hseqText);
  const ts = sequenceNumber(tsText);
  if (seq === undefined || hseq === undefined || ts === undefined) return undefined;
  const numbered = { seq: hseq, ts };
  const delivery: RoomDelivery =
    except === ''
      ? { kind: 'room', room, frame, numbered }
      : { kind: 'room', room, frame, numbered, except };
  return { seq, delivery };
}

/** Parses `E<seq> <event JSON>` (redis-lua.ts); undefined if it is anything else. */
export function parseEvent(room: string, message: Buffer): Numbered | undefined {
  const space = message.indexOf(SPACE);
  if (space <= 1 || space > 32) return undefined;
  const seq = sequenceNumber(message.toString('latin1', 1, space));
  if (seq === undefined) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(UTF8.decode(message.subarray(space + 1)));
  } catch {
    return undefined;
  }
  const { k, i, n, c, r, m, t } = (body ?? {}) as Record<string, unknown>;
  if (typeof i !== 'string' || typeof n !== 'string') return undefined;
  const count = Number.isSafeInteger(c) && (c as number) >= 0 ? (c as number) : undefined;
  let event: MembershipEvent | undefined;
  if (k === 'join' && count !== undefined && typeof r === 'string') {
    event = { kind: 'join', room, roomName: r, id: i, nickname: n, userCount: count };
  } else if (k === 'leave' && count !== undefined) {
    event = { kind: 'leave', room, id: i, nickname: n, userCount: count };
    if (typeof t === 'string') event = { ...event, to: t };
  } else if (k === 'rename' && typeof m === 'string') {
    event = { kind: 'rename', room, id: i, nickname: n, newNickname: m };
  }
  return event && { seq, event };
}

/** Parses `W{to, from, msg}`; undefined if it is anything else. */
export function parseWhisper(
  message: Buffer,
): { readonly to: string; readonly from: string; readonly msg: string } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(UTF8.decode(message.subarray(1)));
  } catch {
    return undefined;
  }
  const { to, from, msg } = (body ?? {}) as Record<string, unknown>;
  if (typeof to !== 'string' || typeof from !== 'string' || typeof msg !== 'string') {
    return undefined;
  }
  return { to, from, msg };
}

/** Parses `K<kick JSON>`; undefined if it is anything else. */
export function parseKick(
  message: Buffer,
): { readonly to: string; readonly by: string; readonly reason: string } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(UTF8.decode(message.subarray(1)));
  } catch {
    return undefined;
  }
  const { to, by, reason } = (body ?? {}) as Record<string, unknown>;
  if (typeof to !== 'string' || typeof by !== 'string' || typeof reason !== 'string') {
    return undefined;
  }
  return { to, by, reason };
}

function sequenceNumber(text: string): number | undefined {
  if (!/^[1-9]\d{0,15}$/.test(text)) return undefined;
  return Number(text);
}

/**
 * A frame as Natter writes them: one JSON object with a string `cmd`, on one line, in UTF-8.
 * One parse per message and node, not per recipient.
 */
function isFrame(frame: Buffer): boolean {
  const n = frame.length;
  if (n < 3 || frame[0] !== 0x7b || frame[n - 1] !== LF || frame.indexOf(LF) !== n - 1) {
    return false;
  }
  try {
    const value: unknown = JSON.parse(UTF8.decode(frame));
    return (
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      typeof (value as { cmd?: unknown }).cmd === 'string'
    );
  } catch {
    return false;
  }
}
