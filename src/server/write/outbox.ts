import type { RoomLog } from './room-log.js';

/** Frames [from, to) of a room's log in the current turn. */
interface RoomRun {
  readonly log: RoomLog;
  readonly from: number;
  readonly to: number;
}

/**
 * What is queued for one connection, in order: its own frames (answers, whispers, errors) and
 * runs of its room's log. The common case, a member that only receives room messages, queues
 * nothing here at all: its share is implied by its cursor, "the room's frames from `cursor` on".
 * Only interruptions of that stream (an own frame, its own chat left out, leaving the room) are
 * recorded, so a room message costs O(1) however many members it has.
 */
export class Outbox {
  /** The log of the room this member follows, if any. */
  private log: RoomLog | undefined;
  /** Recorded pieces, in order; the implied room run follows them. */
  private pieces: (Uint8Array | RoomRun)[] = [];
  /** Bytes of the own frames in `pieces`, to decide an early flush. */
  private ownBytes = 0;
  private cursor = 0;
  /** The log epoch the cursor belongs to; a cursor from an earlier turn means 0. */
  private cursorEpoch = -1;

  /** Queues an own frame after everything queued so far. */
  push(frame: Uint8Array): void {
    this.closeRun();
    this.pieces.push(frame);
    this.ownBytes += frame.length;
  }

  /** Bytes of own frames queued; runs of the room are not counted (they are shared). */
  get ownQueued(): number {
    return this.ownBytes;
  }

  /** The room's frame at `index` is not for this member (its own chat). */
  exclude(log: RoomLog, index: number): void {
    if (log !== this.log) return;
    const from = this.position();
    if (from < index) this.pieces.push({ log, from, to: index });
    this.setCursor(index + 1);
  }

  /** Follows a room's log from its next frame on. */
  enterRoom(log: RoomLog): void {
    this.log = log;
    this.setCursor(log.length);
  }

  /** The log of the room this member follows, if any. */
  get following(): RoomLog | undefined {
    return this.log;
  }

  /** Stops following the room, keeping what it published before. */
  leaveRoom(): void {
    this.closeRun();
    this.log = undefined;
  }

  /** True when nothing at all is queued. */
  get isEmpty(): boolean {
    return this.pieces.length === 0 && !(this.log && this.log.length > this.position());
  }

  /** True when exactly the whole of `log`'s current turn is queued, and nothing else. */
  isWholeRun(log: RoomLog): boolean {
    return this.pieces.length === 0 && this.log === log && log.length > 0 && this.position() === 0;
  }

  /** Marks the room's turn so far as sent, after {@link isWholeRun} (a direct write). */
  skipRun(): void {
    if (this.log) this.setCursor(this.log.length);
  }

  /**
   * Takes everything queued, as buffers in order; the outbox is empty afterwards. Room runs of a
   * materialised log share its buffer.
   */
  take(): Uint8Array[] {
    const parts: Uint8Array[] = [];
    for (const piece of this.pieces) {
      parts.push(piece instanceof Uint8Array ? piece : piece.log.slice(piece.from, piece.to));
    }
    const log = this.log;
    if (log) {
      const from = this.position();
      if (from < log.length) parts.push(log.slice(from, log.length));
      this.setCursor(log.length);
    }
    this.pieces = [];
    this.ownBytes = 0;
    return parts;
  }

  /** Forgets everything queued (a slow consumer that is being cut off). */
  drop(): void {
    this.pieces = [];
    this.ownBytes = 0;
    if (this.log) this.setCursor(this.log.length);
  }

  /** Records the implied run of the room so far as a piece, so that what follows comes after. */
  private closeRun(): void {
    const log = this.log;
    if (!log) return;
    const from = this.position();
    if (from < log.length) this.pieces.push({ log, from, to: log.length });
    this.setCursor(log.length);
  }

  private position(): number {
    return this.log && this.cursorEpoch === this.log.epoch ? this.cursor : 0;
  }

  private setCursor(index: number): void {
    this.cursor = index;
    this.cursorEpoch = this.log ? this.log.epoch : -1;
  }
}
