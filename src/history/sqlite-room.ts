/** A seq and a ts: the oldest chat or cid a room keeps. */
export type Head = readonly [seq: number, ts: number];

/** What the SQLite history holds in memory for each room, loaded when it opens. */
export interface SqliteRoom {
  /** The room's row in `rooms`. */
  readonly id: number;
  readonly key: string;
  /** The highest seq handed out (after a restart: the highest that may have been). */
  last: number;
  /** The highest seq written to `rooms` as reserved; the next seq past it needs a new block. */
  reserved: number;
  /** Retention removed every chat up to this seq. */
  trimmed: number;
  /** The highest seq whose transaction committed. */
  committed: number;
  /** The oldest chat kept: null when none is, undefined when not known (it takes a query). */
  oldest: Head | null | undefined;
  /** The oldest cid kept, likewise. */
  oldestCid: Head | null | undefined;
}
