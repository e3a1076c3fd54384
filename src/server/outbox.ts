import type { LocalRoom } from './rooms.js';

/** Frames [from, to) of a room's log in the current turn. */
interface RoomRun {
  readonly room: LocalRoom;
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
  /** The room whose log this member follows, if any. */
  room: LocalRoom | undefined;
  /** Recorded pieces, in order; the implied room run follows them. */
  private pieces: (Uint8Array | RoomRun)[] = [];
  /** Bytes of the own frames in `pieces`, to decide an early flush. */
  private ownBytes = 0;
  private cursor = 0;
  /** The room epoch the cursor belongs to; a cursor from an earlier turn means 0. */
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
  exclude(room: LocalRoom, index: number): void {
    if (room !== this.room) return;
    const from = this.position();
    if (from < index) this.pieces.push({ room, from, to: index });
    this.setCursor(index + 1);
  }

  /** Follows a room from its next frame on. */
  enterRoom(room: LocalRoom): void {
    this.room = room;
    this.setCursor(room.length);
  }

  /** Stops following the room, keeping what it published before. */
  leaveRoom(): void {
    this.closeRun();
    this.room = undefined;
  }

  /** True when nothing at all is queued. */
  get isEmpty(): boolean {
    return this.pieces.length === 0 && !(this.room && this.room.length > this.position());
  }

  /** True when exactly the whole of `room`'s current turn is queued, and nothing else. */
  isWholeRun(room: LocalRoom): boolean {
    return (
      this.pieces.length === 0 && this.room === room && room.length > 0 && this.position() === 0
    );
  }

  /** Marks the room's turn so far as sent, after {@link isWholeRun} (a direct write). */
  skipRun(): void {
    if (this.room) this.setCursor(this.room.length);
  }

  /**
   * Takes everything queued, as buffers in order; the outbox is empty afterwards. Room runs of a
   * materialised room share its buffer.
   */
  take(): Uint8Array[] {
    const parts: Uint8Array[] = [];
    for (const piece of this.pieces) {
      parts.push(piece instanceof Uint8Array ? piece : piece.room.slice(piece.from, piece.to));
    }
    const room = this.room;
    if (room) {
      const from = this.position();
      if (from < room.length) parts.push(room.slice(from, room.length));
      this.setCursor(room.length);
    }
    this.pieces = [];
    this.ownBytes = 0;
    return parts;
  }

  /** Forgets everything queued (a slow consumer that is being cut off). */
  drop(): void {
    this.pieces = [];
    this.ownBytes = 0;
    if (this.room) this.setCursor(this.room.length);
  }

  /** Records the implied run of the room so far as a piece, so that what follows comes after. */
  private closeRun(): void {
    const room = this.room;
    if (!room) return;
    const from = this.position();
    if (from < room.length) this.pieces.push({ room, from, to: room.length });
    this.setCursor(room.length);
  }

  private position(): number {
    return this.room && this.cursorEpoch === this.room.epoch ? this.cursor : 0;
  }

  private setCursor(index: number): void {
    this.cursor = index;
    this.cursorEpoch = this.room ? this.room.epoch : -1;
  }
}
