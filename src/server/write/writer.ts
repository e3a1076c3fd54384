import type { Clock } from '../clock.js';
import type { Counters } from '../counters.js';
import type { Link } from '../link.js';
import type { DirectSocket, DirectTarget } from './native-fanout.js';
import { Outbox } from './outbox.js';
import type { RoomLog } from './room-log.js';

/**
 * Queued bytes that are written at once instead of at the end of the turn: a burst must reach
 * the kernel's buffer rather than count against the client's queue limit.
 */
const FLUSH_BYTES = 32 * 1024;

/** Parts up to this many bytes in all are joined before writing; larger ones are not copied. */
const COPY_BYTES = 16 * 1024;

/** Whom a writer works for. */
export interface WriterOwner {
  /** More than `maxQueueBytes` wait unsent: the client is a slow consumer (rule 3.4). */
  overflowed(): void;
}

/** What every writer of a server shares. */
export interface WriterContext {
  /** Queues a writer for the end-of-turn flush (the write scheduler). */
  readonly flushes: { flushSoon(writer: Writer): void };
  readonly clock: Clock;
  /** Unsent bytes per client before it is cut off as a slow consumer (rule 3.4). */
  readonly maxQueueBytes: number;
  /** Counts the bytes handed to the clients' transports (`bytesOut`). */
  readonly counters: Counters;
}

/**
 * The writing half of a connection: the single write path (docs/DEVELOPING.md, "The write
 * path"). Everything the client is sent is queued in its {@link Outbox} and written once per
 * event-loop turn, through the link or, for a room's buffer, directly by the native fan-out.
 */
export class Writer implements DirectTarget {
  /** What is queued for this client. */
  readonly outbox = new Outbox();
  /** Since when a write has been waiting for the link to drain; 0 when none is. */
  stalledSince = 0;
  /** In the scheduler's list for the end-of-turn flush. */
  private flushScheduled = false;
  /** The turn this writer was last flushed in, so a turn flushes it once. */
  private flushedTurn = -1;
  private ended = false;
  private overflowing = false;

  /** @param direct the socket for direct room writes, when the native fan-out can write it */
  constructor(
    private readonly link: Link,
    private readonly context: WriterContext,
    private readonly direct: DirectSocket | undefined,
    private readonly owner: WriterOwner,
  ) {}

  /**
   * Queues an encoded frame for this client alone. Frames go out in the order queued, with the
   * room's messages, batched into one write per event-loop turn.
   */
  send(frame: Uint8Array): void {
    if (this.ended) return;
    this.outbox.push(frame);
    if (this.outbox.ownQueued >= FLUSH_BYTES) this.flush();
    else this.scheduleFlush();
  }

  /** Follows a room's log from its next frame on. */
  enterRoom(log: RoomLog): void {
    this.outbox.enterRoom(log);
  }

  /** Leaves the room: what it published so far this turn is still sent (rule 8.2). */
  leaveRoom(): void {
    this.outbox.leaveRoom();
    if (!this.outbox.isEmpty) this.scheduleFlush();
  }

  /** The log of the room this client follows, if any. */
  get room(): RoomLog | undefined {
    return this.outbox.following;
  }

  /** Bytes written but not yet taken by the client's side of the transport. */
  get pendingBytes(): number {
    return this.link.writableLength;
  }

  /** The end-of-turn flush; `turn` makes a second call in one turn a no-op. */
  flushTurn(turn: number): void {
    if (this.flushedTurn === turn) return;
    this.flushedTurn = turn;
    this.flushScheduled = false;
    this.flush();
  }

  /**
   * Writes everything queued. What the transport does not take at once waits in it; a client
   * for which more than `maxQueueBytes` waits is cut off (rule 3.4).
   */
  flush(): void {
    if (this.ended) return;
    const parts = this.outbox.take();
    if (parts.length === 0) return;
    if (parts.length > 1) return this.afterWrite(this.writeParts(parts));
    const part = parts[0]!;
    this.context.counters.bytesOut += part.length;
    this.afterWrite(this.link.write(part));
  }

  directSocket(log: RoomLog, turn: number): DirectSocket | undefined {
    const direct = this.direct;
    if (direct === undefined || this.ended || this.flushedTurn === turn) return undefined;
    return this.outbox.isWholeRun(log) && direct.ready ? direct : undefined;
  }

  /**
   * This turn's flush is done by a direct write. What the socket did not take goes through the
   * link; an error other than a full buffer ends the link with that error, as a failed write
   * through it would.
   */
  sentDirect(turn: number, data: Uint8Array, sent: number, error: Error | undefined): void {
    this.flushedTurn = turn;
    this.flushScheduled = false;
    this.outbox.skipRun();
    this.direct?.wroteDirect?.();
    if (error) return this.link.destroy(error);
    // All of it is handed over: what the socket took directly, and the rest to the stream.
    this.context.counters.bytesOut += data.length;
    if (sent === data.length) return;
    this.afterWrite(this.link.write(sent > 0 ? data.subarray(sent) : data));
  }

  /** The link took everything written so far. */
  drained(): void {
    this.stalledSince = 0;
  }

  /** Forgets what is queued (a slow consumer that is being cut off). */
  drop(): void {
    this.outbox.drop();
  }

  /** Writes what is queued, then nothing more. */
  finish(): void {
    this.flush();
    this.ended = true;
  }

  /** Writes nothing more: the link is gone. */
  stop(): void {
    this.ended = true;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.context.flushes.flushSoon(this);
  }

  /** `ok` false: the link's buffer is over its mark and waits for the peer. */
  private afterWrite(ok: boolean): void {
    if (ok) return;
    if (this.stalledSince === 0) this.stalledSince = this.context.clock.now();
    if (this.link.writableLength > this.context.maxQueueBytes && !this.overflowing) {
      // Told after this write's turn: cutting the client off ends its session, which publishes
      // its departure to its room, and a room being flushed must not be written to.
      this.overflowing = true;
      queueMicrotask(() => this.owner.overflowed());
    }
  }

  /**
   * Writes several parts in one system call. Small ones are joined into one buffer; large ones
   * are handed over as they are (a vector write), since most are views of a room's shared buffer
   * and a copy per member would cost memory for nothing.
   */
  private writeParts(parts: Uint8Array[]): boolean {
    const link = this.link;
    let bytes = 0;
    for (const part of parts) bytes += part.length;
    this.context.counters.bytesOut += bytes;
    if (bytes <= COPY_BYTES) return link.write(Buffer.concat(parts, bytes));
    link.cork();
    let ok = true;
    for (const part of parts) ok = link.write(part);
    link.uncork();
    return ok;
  }
}
