/**
 * What each chaos client saw and did, with local times. The invariants are checked afterwards
 * from these records alone, so a violation can always be shown with the frames that prove it.
 */
import { performance } from 'node:perf_hooks';

/** One decoded protocol frame. */
export type Frame = Record<string, unknown>;

/** One record of a client's journal; `conn` numbers the client's connections from 1. */
export type Entry =
  | { k: 'open'; t: number; conn: number; node: number }
  | { k: 'in'; t: number; conn: number; f: Frame }
  | { k: 'out'; t: number; conn: number; f: Frame }
  | { k: 'close'; t: number; conn: number; why: string }
  | { k: 'timeout'; t: number; conn: number; f: Frame };

/**
 * The harness's clock in milliseconds. Monotonic (a wall-clock step must not reorder records),
 * and shared by every client, so times of different clients can be compared.
 */
export function now(): number {
  return performance.now();
}

/** The records of one client, in the order they happened. */
export class Journal {
  readonly entries: Entry[] = [];

  constructor(
    /** The client's stable name (its nickname changes with renames). */
    readonly who: string,
  ) {}

  /** Appends a record stamped with the current time. */
  add(entry: DistributiveOmit<Entry, 't'>): void {
    this.entries.push({ ...entry, t: now() } as Entry);
  }
}

/** `Omit` applied to each member of a union, so the discriminant still narrows. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A frame for a report line: compact JSON, cut to a readable length. */
export function show(f: Frame): string {
  const text = JSON.stringify(f);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
