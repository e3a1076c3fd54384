import { RoomLog } from '../write/room-log.js';
import type { FanoutRoom } from '../write/scheduler.js';
import type { Writer } from '../write/writer.js';

/**
 * One room as this node sees it, for one kind of member: this turn's log, and the writers of its
 * local members. A room has up to two: one for the members that get chats as a seed client
 * does, one for those with the `history` capability, whose chats carry `seq` and `ts`
 * (docs/protocol.md, rule 12.2). Each log is shared by all its members, so a chat is still
 * encoded at most twice whatever the room's size.
 */
export class LocalRoom implements FanoutRoom {
  readonly log: RoomLog;
  readonly members = new Set<Writer>();
  /** Those of `members` whose clients sent `caps` (rule 4.4): they get extended frames. */
  readonly extended = new Set<Writer>();

  /** @param name the room's display name, as the directory keeps it */
  constructor(
    key: string,
    readonly name: string,
  ) {
    this.log = new RoomLog(key);
  }
}

/**
 * This node's room index: room key -> the local members, for fan-out. The directory is the
 * authority on membership across nodes; this index only says whom to write to here. A member's
 * room is the one whose log its writer follows.
 */
export class LocalRooms {
  /** Rooms of members without the `history` capability. */
  private readonly plain = new Map<string, LocalRoom>();
  /** Rooms of members with it. */
  private readonly numbered = new Map<string, LocalRoom>();

  /** @param scheduler told when a room has frames to write at the end of the turn */
  constructor(private readonly scheduler: { roomChanged(room: FanoutRoom): void }) {}

  /** Rooms with members on this node. */
  get size(): number {
    let size = this.plain.size;
    for (const key of this.numbered.keys()) if (!this.plain.has(key)) size++;
    return size;
  }

  /** The room's members without the `history` capability, if any are here. */
  get(roomKey: string): LocalRoom | undefined {
    return this.plain.get(roomKey);
  }

  /** The room's members with the `history` capability, if any are here. */
  getNumbered(roomKey: string): LocalRoom | undefined {
    return this.numbered.get(roomKey);
  }

  /** Appends a frame to a room's log for this turn; returns its index. */
  publish(room: LocalRoom, frame: Uint8Array): number {
    this.scheduler.roomChanged(room);
    return room.log.append(frame);
  }

  /**
   * Makes a writer a local member of the room `roomKey`: it gets the room's later frames.
   * @param extended whether its client sent `caps` (it gets extended frames)
   * @param history whether it has the `history` capability (its chats carry `seq` and `ts`)
   */
  add(writer: Writer, roomKey: string, roomName: string, extended: boolean, history = false): void {
    const rooms = history ? this.numbered : this.plain;
    let room = rooms.get(roomKey);
    if (!room) {
      room = new LocalRoom(roomKey, roomName);
      rooms.set(roomKey, room);
    }
    room.members.add(writer);
    if (extended) room.extended.add(writer);
    writer.enterRoom(room.log);
  }

  /**
   * Removes a writer from its room; what the room published before, this turn, is still sent
   * to it. Safe during a fan-out over that room.
   */
  remove(writer: Writer): void {
    const log = writer.room;
    if (!log) return;
    writer.leaveRoom();
    // A room with a member is always in the index: it is forgotten only once empty.
    const rooms = this.plain.get(log.key)?.log === log ? this.plain : this.numbered;
    const room = rooms.get(log.key);
    if (room?.log !== log) return;
    room.members.delete(writer);
    room.extended.delete(writer);
    // An empty room with frames still waiting for the flush is forgotten by the next turn.
    if (room.members.size === 0) rooms.delete(log.key);
  }
}
