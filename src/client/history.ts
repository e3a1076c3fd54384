/**
 * HISTORY (docs/protocol.md, section 12) as the library offers it: the question, and the page
 * the server answers, converted so that it has the types it promises whatever arrived.
 */
import { Cmd } from '../protocol/codes.js';
import type { HistoryResponse } from '../protocol/messages.js';
import type { HistoryRequest } from '../protocol/requests.js';

/** Which chats to read: see {@link ChatClient.history}. */
export interface HistoryQuery {
  /** Only chats older than this `seq` (scrolling back: the first `seq` of the last page). */
  before?: number;
  /** Only chats newer than this `seq` (catching up: the last `seq` seen). */
  after?: number;
  /** At most this many (1 to 200; the server's default is 50). */
  limit?: number;
}

/** A chat as the room's history keeps it. */
export interface HistoryMessage {
  /** Its number in the room: increasing, never reused, possibly with holes. */
  seq: number;
  /** When the server accepted it, in milliseconds since the epoch. */
  ts: number;
  from: string;
  msg: string;
}

/** A page of a room's history, in ascending `seq`. */
export interface HistoryPage {
  /** The room it is of: the one the client is in. */
  room: string;
  messages: HistoryMessage[];
  /**
   * More are kept beyond this page: older ones when neither `after` nor `before`, or with
   * `before` alone; newer ones with `after`.
   */
  more: boolean;
  /** With `after`: chats newer than `after` are no longer kept, so some were lost. */
  gap: boolean;
}

/** The HISTORY request for a query. */
export function historyRequest(query: HistoryQuery): HistoryRequest {
  const request: HistoryRequest = { cmd: Cmd.HISTORY };
  if (query.before !== undefined) request.before = query.before;
  if (query.after !== undefined) request.after = query.after;
  if (query.limit !== undefined) request.limit = query.limit;
  return request;
}

/** The page a `140` stands for; entries without a number are left out. */
export function toHistoryPage(answer: HistoryResponse): HistoryPage {
  const messages = Array.isArray(answer.messages) ? answer.messages : [];
  return {
    room: String(answer.room),
    messages: messages
      .filter((m) => Number.isSafeInteger(m?.seq))
      .map((m) => ({
        seq: m.seq,
        ts: Number(m.ts),
        from: String(m.from),
        msg: String(m.msg),
      })),
    more: answer.more === true,
    gap: answer.gap === true,
  };
}
