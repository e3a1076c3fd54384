/**
 * One room's frames of the current event-loop turn, in order. At the end of the turn they are
 * joined into one buffer, and every member that followed the whole log is sent that same buffer:
 * a room message costs the same whatever the room's size, until the writes (docs/DEVELOPING.md,
 * "The write path"). Members follow the log through their {@link Outbox} cursor.
 */
export class RoomLog {
  /** Frames published this turn, in order. */
  private frames: Uint8Array[] = [];
  /** offsets[i]: byte offset of frames[i] in the turn's log; offsets[frames.length]: its size. */
  private offsets: number[] = [0];
  /** The turn's frames joined into one buffer, once the turn ends. */
  private shared: Uint8Array | undefined;
  /** Counts turns, so a cursor from an earlier turn reads as 0 without visiting every member. */
  epoch = 0;
  /** True while queued for the end-of-turn flush (set and cleared by the write scheduler). */
  scheduled = false;

  /** @param key the room's key (`nameKey` of its name) */
  constructor(readonly key: string) {}

  /** Frames in this turn's log. */
  get length(): number {
    return this.frames.length;
  }

  /** Adds a frame to this turn's log; returns its index. */
  append(frame: Uint8Array): number {
    this.frames.push(frame);
    this.offsets.push(this.offsets[this.offsets.length - 1]! + frame.length);
    return this.frames.length - 1;
  }

  /** This turn's frames as one buffer, once materialised at the end of the turn. */
  get buffer(): Uint8Array | undefined {
    return this.shared;
  }

  /** Joins this turn's frames into the buffer every member is sent. */
  materialise(): void {
    this.shared =
      this.frames.length === 1
        ? this.frames[0]
        : Buffer.concat(this.frames, this.offsets[this.frames.length]);
  }

  /** The bytes of frames [from, to) of this turn, sharing memory once materialised. */
  slice(from: number, to: number): Uint8Array {
    if (this.shared) return this.shared.subarray(this.offsets[from], this.offsets[to]);
    if (to - from === 1) return this.frames[from]!;
    // Before the end of the turn (a member that closes mid-turn): its own copy.
    return Buffer.concat(this.frames.slice(from, to), this.offsets[to]! - this.offsets[from]!);
  }

  /** Starts a new turn: the log is empty again and every cursor into it is outdated. */
  reset(): void {
    this.frames = [];
    this.offsets = [0];
    this.shared = undefined;
    this.scheduled = false;
    this.epoch++;
  }
}
