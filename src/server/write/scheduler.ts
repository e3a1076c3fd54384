import type { Clock } from '../clock.js';
import type { DirectFanout } from './native-fanout.js';
import type { RoomLog } from './room-log.js';
import type { Writer } from './writer.js';

/** A room as the scheduler sees it: this turn's log and the writers of its local members. */
export interface FanoutRoom {
  readonly log: RoomLog;
  readonly members: Iterable<Writer>;
}

/** A flush that takes this long (milliseconds) makes the next one wait to gather more. */
const SLOW_FLUSH_MS = 20;
const MAX_FLUSH_DELAY_MS = 50;

/**
 * Turns (docs/DEVELOPING.md, "The write path"): everything written during one event-loop turn
 * goes out together at its end. Every room joins what it got into one buffer, the native
 * fan-out sends it to the members it can, then each writer with something queued is written
 * once.
 */
export class WriteScheduler {
  /** Writers and rooms with something to write at the end of this turn. */
  private writers: Writer[] = [];
  private rooms: FanoutRoom[] = [];
  /** The lists of the turn before, emptied, for the next turn: a turn allocates no list. */
  private spareWriters: Writer[] = [];
  private spareRooms: FanoutRoom[] = [];
  private scheduled = false;
  private turn = 0;
  /** How long the last flush took, in milliseconds (0 unless it carried joins). */
  private lastFlushMs = 0;
  /** Whether a member joined a room of this node in the current turn. */
  private joinedThisTurn = false;

  /**
   * @param fanout the native room fan-out; undefined: every write goes through the links
   * @param clock measures how long a flush takes
   * @param defer runs the end of the turn: after the current turn's I/O (`setImmediate`), or
   *   after `delayMs` (tests drive turns by hand)
   */
  constructor(
    private readonly fanout: DirectFanout | undefined,
    private readonly clock: Clock,
    private readonly defer: (run: () => void, delayMs: number) => void = deferTurnEnd,
  ) {}

  /** Queues a writer for the end of this turn. */
  flushSoon(writer: Writer): void {
    this.writers.push(writer);
    this.scheduleTurnEnd();
  }

  /** Queues a room whose log got a frame this turn (once per turn). */
  roomChanged(room: FanoutRoom): void {
    if (room.log.scheduled) return;
    room.log.scheduled = true;
    this.rooms.push(room);
    this.scheduleTurnEnd();
  }

  /** A member joined a room this turn: a long flush then delays the next (join storms). */
  joined(): void {
    this.joinedThisTurn = true;
  }

  /**
   * Schedules the flush at the end of this turn. After a turn with joins whose flush took long
   * (a join storm into a big room: each join is a `8` to every member), the next flush waits a
   * little, as long as the last one took, at most 50 ms: meanwhile the event loop keeps reading
   * and accepting (libuv accepts one connection per turn), and the next flush carries all of it
   * in one write per socket instead of one each. Chat fan-out never waits: its batching comes
   * by itself from what arrives during a long flush, and a wait would only add latency.
   */
  private scheduleTurnEnd(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const delayMs = this.lastFlushMs < SLOW_FLUSH_MS ? 0 : this.lastFlushMs;
    this.defer(this.flushAll, Math.min(delayMs, MAX_FLUSH_DELAY_MS));
  }

  /** The end of a turn. */
  private readonly flushAll = (): void => {
    const started = this.clock.now();
    this.scheduled = false;
    const rooms = this.rooms;
    const writers = this.writers;
    this.rooms = this.spareRooms;
    this.writers = this.spareWriters;
    const turn = ++this.turn;
    for (const room of rooms) room.log.materialise();
    if (this.fanout) for (const room of rooms) this.fanout.send(room.log, room.members, turn);
    for (const room of rooms) for (const writer of room.members) writer.flushTurn(turn);
    for (const writer of writers) writer.flushTurn(turn);
    for (const room of rooms) room.log.reset();
    rooms.length = 0;
    writers.length = 0;
    this.spareRooms = rooms;
    this.spareWriters = writers;
    // Only a turn with joins may slow the next: chat fan-out never waits (see scheduleTurnEnd).
    this.lastFlushMs = this.joinedThisTurn ? this.clock.now() - started : 0;
    this.joinedThisTurn = false;
  };
}

/** The end of the turn: right after this turn's I/O, or a little later. */
function deferTurnEnd(run: () => void, delayMs: number): void {
  if (delayMs === 0) setImmediate(run);
  else setTimeout(run, delayMs);
}
