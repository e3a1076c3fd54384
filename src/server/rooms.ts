import type { Connection } from './connection.js';

/**
 * One room as this node sees it: its local members, and the frames published to it during the
 * current event-loop turn. At the end of the turn the frames are joined into one buffer, and
 * every member that was there all turn is sent that same buffer: a room message costs the same
 * whatever the room's size, until the writes (docs/DEVELOPING.md, "The write path").
 */
export class LocalRoom {
  readonly members = new Set<Connection>();
  /** Frames published this turn, in order. */
  frames: Uint8Array[] = [];
  /** offsets[i]: byte offset of frames[i] in the turn's log; offsets[frames.length]: its size. */
  offsets: number[] = [0];
  /** The turn's frames joined into one buffer, once the turn ends. */
  private shared: Uint8Array | undefined;
  /** Counts turns, so a member's cursor from an earlier turn reads as 0 without a reset. */
  epoch = 0;
  /** True while queued for the end-of-turn flush. */
  scheduled = false;

  constructor(readonly key: string) {}

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

  /** Starts a new turn. */
  reset(): void {
    this.frames = [];
    this.offsets = [0];
    this.shared = undefined;
    this.scheduled = false;
    this.epoch++;
  }
}

/**
 * This node's room index: room key -> the local members, for fan-out. The directory is the
 * authority on membership across nodes; this index only says whom to write to here.
 */
export class LocalRooms {
  private readonly byKey = new Map<string, LocalRoom>();

  constructor(private readonly schedule: (room: LocalRoom) => void) {}

  /** The local room with members, if any. */
  get(roomKey: string): LocalRoom | undefined {
    return this.byKey.get(roomKey);
  }

  /** Appends a frame to a room's log for this turn; returns its index. */
  publish(room: LocalRoom, frame: Uint8Array): number {
    if (!room.scheduled) {
      room.scheduled = true;
      this.schedule(room);
    }
    return room.append(frame);
  }

  /** Makes a connection a local member of its `roomKey`: it gets the room's later frames. */
  add(conn: Connection): void {
    let room = this.byKey.get(conn.roomKey);
    if (!room) {
      room = new LocalRoom(conn.roomKey);
      this.byKey.set(conn.roomKey, room);
    }
    room.members.add(conn);
    conn.outbox.enterRoom(room);
  }

  /**
   * Removes a connection from its room; what the room published before, this turn, is still
   * sent to it. Safe during a fan-out over that room.
   */
  remove(conn: Connection): void {
    const room = conn.outbox.room;
    if (!room) return;
    conn.leaveRoom();
    room.members.delete(conn);
    // An empty room with frames still waiting for the flush is forgotten by the next turn.
    if (room.members.size === 0 && this.byKey.get(room.key) === room) this.byKey.delete(room.key);
  }
}
