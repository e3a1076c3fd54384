/**
 * History: the chats of each room, numbered, kept for a while and read back a page at a time
 * (issue 15: HISTORY `14`, the `seq` of a `70`, resends deduplicated by `cid`). A store is the
 * one place a room's sequence numbers come from on a single node. Two implementations pass one
 * contract (test/backends/history-contract.ts): {@link MemoryHistory} (memory-history.ts), for an
 * embedded or test server given no data directory, and `SqliteHistory`
 * (src/history/sqlite-history.ts), the persistent one under a data directory, loaded only when
 * history is on (src/history/open.ts).
 *
 * Room keys are the server's room keys, taken as opaque strings: the store compares them
 * exactly and never folds or trims them.
 */

/** A chat to keep. */
export interface HistoryChat {
  /** The sender's nickname, as the room saw it. */
  readonly from: string;
  readonly msg: string;
  /** Milliseconds since the epoch, set by the server when it accepted the chat. */
  readonly ts: number;
  /** The client's id for this chat, if it gave one: a resend with the same id is not kept twice. */
  readonly cid?: string;
}

/** What {@link HistoryStore.append} decided, known as soon as it returns. */
export interface Appended {
  /** The chat's number in its room (for a duplicate: the first chat's). */
  readonly seq: number;
  /** The chat's time (for a duplicate: the first chat's). */
  readonly ts: number;
  /** The `cid` had already been accepted in this room within the window; nothing was stored. */
  readonly duplicate: boolean;
  /**
   * Settles once the chat (for a duplicate: the first chat) is stored as durably as the store
   * promises: resolves when written, rejects if the write failed. The server acknowledges the
   * chat to its sender only then. Rejections the caller does not await are not unhandled.
   */
  readonly durable: Promise<void>;
}

/** One chat as history returns it. */
export interface StoredMessage {
  readonly seq: number;
  readonly ts: number;
  readonly from: string;
  readonly msg: string;
}

/** Which page of a room to read; `before` and `after` are seqs, both exclusive. */
export interface PageQuery {
  /** The newest `limit` chats older than this seq. */
  readonly before?: number;
  /** The oldest `limit` chats newer than this seq (how a client resumes). */
  readonly after?: number;
  /** How many chats at most: a positive integer (the protocol allows 1 to 200). */
  readonly limit: number;
}

/** A page of a room's history. */
export interface HistoryPage {
  /** Ascending by seq. */
  readonly messages: StoredMessage[];
  /**
   * More chats are kept beyond this page in the direction asked: older ones for `before` or for
   * neither, newer ones (still older than `before`, if given) for `after`.
   */
  readonly more: boolean;
  /**
   * This page does not continue from `after`: chats newer than `after` were removed by
   * retention, or `after` is beyond the room's last seq (the client saw chats the store does not
   * have: a store in memory that started afresh, a Redis that lost its data). Always false
   * without `after`.
   */
  readonly gap: boolean;
}

/**
 * The storage seam for history. Every method but `close` is synchronous: a single node's stores
 * answer from memory or from an embedded database in the same process.
 *
 * Contract (both implementations, test/backends/history-contract.ts):
 * - Numbering: each room's first chat is seq 1, and every chat appended gets the room's next
 *   seq, in call order: strictly increasing, never handed out twice, also across restarts of a
 *   persistent store. Numbers may be skipped (a persistent store that was killed continues past
 *   the numbers it had reserved) but never repeated, so a client can keep the last seq it saw.
 * - Durability: `append` returns at once; its `durable` settles when the chat is written. A page
 *   read after `append` returned includes the chat, durable or not (a store reads its own
 *   writes). What survives the process being killed is every chat whose `durable` resolved.
 * - Deduplication: an `append` with a `cid` already accepted in that room within the window
 *   (the last {@link HistoryLimits.dedupeWindowMs} or the last
 *   {@link HistoryLimits.dedupeWindowChats} seqs of the room, whichever keeps more) stores
 *   nothing and returns the first chat's seq and ts with `duplicate: true`; its `durable` follows
 *   the first chat's. Past both, the same `cid` is a new chat. Retention does not shorten the
 *   window: a cid is remembered even after its chat was removed.
 * - Pages: `before` gives the newest `limit` chats older than it, `after` the oldest `limit`
 *   newer than it, both the oldest `limit` between them, neither the newest `limit`; always in
 *   ascending seq order, with `more` and `gap` as {@link HistoryPage} says. A room never written
 *   to is an empty page. A `limit` that is not a positive integer, or a `before` or `after`
 *   that is not an integer, throws a RangeError.
 * - Retention: a room keeps the chats among its last {@link HistoryLimits.maxPerRoom} seqs that
 *   are younger than {@link HistoryLimits.maxAgeMs}; the rest is removed oldest first, by a
 *   sweep every {@link HistoryLimits.sweepIntervalMs} that does a bounded amount of work at a
 *   time, so the server never stops for it. What a room keeps is always a run of its newest
 *   chats; removal is what `gap` reports.
 * - `close` writes what is pending, resolves once it is written, and is safe to call twice;
 *   `append` after it throws.
 */
export interface HistoryStore {
  /** Numbers and keeps a chat, or recognises a resend by its `cid`. */
  append(room: string, chat: HistoryChat): Appended;
  /** A page of the room's kept chats. */
  page(room: string, query: PageQuery): HistoryPage;
  /** The highest seq handed out in the room (0 for a room never written to). */
  lastSeq(room: string): number;
  /** Stops the sweep, writes what is pending and lets go of the storage. */
  close(): Promise<void>;
}

/** Retention and deduplication, the same for every room. */
export interface HistoryLimits {
  /** Chats a room keeps, counted in seqs: its last this many. */
  readonly maxPerRoom: number;
  /** How long a chat is kept, in milliseconds (Infinity: no limit by age). */
  readonly maxAgeMs: number;
  /** How long a `cid` is remembered, in milliseconds (issue 15: at least 10 minutes). */
  readonly dedupeWindowMs: number;
  /** How many of a room's last seqs a `cid` is remembered for (issue 15: at least 10,000). */
  readonly dedupeWindowChats: number;
  /** How often the retention sweep starts a round over the rooms. */
  readonly sweepIntervalMs: number;
  /** At most this many rows are removed in one step of the sweep; the next step follows at once. */
  readonly sweepBatch: number;
}

/**
 * The defaults: a hundred thousand chats or 30 days per room, cids remembered for 10 minutes or
 * 10,000 chats, a sweep each second removing up to 1,000 rows at a time (a few milliseconds of
 * work in SQLite, so a step never holds up the chat for long).
 */
export const DEFAULT_HISTORY_LIMITS: HistoryLimits = {
  maxPerRoom: 100_000,
  maxAgeMs: 30 * 24 * 3600_000,
  dedupeWindowMs: 10 * 60_000,
  dedupeWindowChats: 10_000,
  sweepIntervalMs: 1000,
  sweepBatch: 1000,
};

/** A pending timer of a {@link HistoryTimers}; `unref` lets the process exit while it waits. */
export interface HistoryTimer {
  unref(): unknown;
}

/** The timers the sweep runs on (the server's Clock fits; tests give a fake one). */
export interface HistoryTimers {
  setTimeout(callback: () => void, ms: number): HistoryTimer;
  clearTimeout(timer: HistoryTimer | undefined): void;
}

/** What every store is given; each field has a default. */
export interface HistoryOptions extends Partial<HistoryLimits> {
  /**
   * Wall-clock milliseconds since the epoch, for ages and the dedupe window (default
   * `Date.now`). Not a monotonic clock: stored times must mean the same after a restart.
   */
  readonly now?: () => number;
  /** The sweep's timers (default: Node's). */
  readonly timers?: HistoryTimers;
}
