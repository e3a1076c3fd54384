import { nameKey, nicknameKeys } from '../protocol/names.js';
import type { Bus } from './bus.js';
import type {
  ClaimResult,
  Directory,
  LostMember,
  MemberRecord,
  MoveResult,
  NewMember,
  Released,
  RenameResult,
  RoomCount,
} from './directory.js';
import { eventDelivery, type MembershipEvent } from './membership-events.js';

interface Room {
  /** Display name: the spelling of whoever created the room. */
  readonly name: string;
  readonly key: string;
  /** Members by id, in join order (a Map keeps insertion order). */
  readonly members: Map<string, MemberRecord>;
}

/**
 * The single-node directory. Each method runs to completion synchronously before its promise
 * resolves, so no two changes can interleave: claims, renames and moves are atomic, and so is
 * each change's announcement on the bus, which is published within the change. Several servers
 * in one process may share one (with a `MemoryNodeRegistry` and one bus).
 */
export class MemoryDirectory implements Directory {
  private readonly byId = new Map<string, MemberRecord>();
  /** every key of every nickname (`nicknameKeys`) -> member id */
  private readonly byNickname = new Map<string, string>();
  /** room key -> room */
  private readonly roomsByKey = new Map<string, Room>();

  /**
   * @param bus where the changes are announced; without one nothing is (a directory used on
   *   its own, in tests)
   */
  constructor(private readonly bus?: Pick<Bus, 'publish'>) {}

  async claim(member: NewMember, capacity: number, announce: boolean): Promise<ClaimResult> {
    const nickKeys = nicknameKeys(member.nickname);
    if (nickKeys.some((key) => this.byNickname.has(key))) {
      return { ok: false, reason: 'nickname-taken' };
    }
    const room = this.roomFor(member.room);
    if (room.members.size >= capacity) {
      this.forgetIfEmpty(room);
      return { ok: false, reason: 'room-full' };
    }
    const record: MemberRecord = { ...member, room: room.name };
    this.byId.set(member.id, record);
    for (const key of nickKeys) this.byNickname.set(key, member.id);
    room.members.set(member.id, record);
    const userCount = room.members.size;
    if (announce) this.joined(room, record, userCount);
    return { ok: true, room: room.name, userCount };
  }

  async rename(id: string, newNickname: string): Promise<RenameResult> {
    const current = this.byId.get(id);
    if (!current) return { ok: false, reason: 'not-found' };
    const newKeys = nicknameKeys(newNickname);
    for (const key of newKeys) {
      const holder = this.byNickname.get(key);
      if (holder !== undefined && holder !== id) return { ok: false, reason: 'nickname-taken' };
    }
    const record: MemberRecord = { ...current, nickname: newNickname };
    for (const key of nicknameKeys(current.nickname)) this.byNickname.delete(key);
    for (const key of newKeys) this.byNickname.set(key, id);
    this.byId.set(id, record);
    const roomKey = nameKey(current.room);
    const room = this.roomsByKey.get(roomKey);
    if (room) {
      // The seed deletes and re-adds the entry, so a renamed member is listed last.
      room.members.delete(id);
      room.members.set(id, record);
    }
    this.announce({ kind: 'rename', room: roomKey, id, nickname: current.nickname, newNickname });
    return { ok: true, oldNickname: current.nickname, room: current.room };
  }

  async move(id: string, roomName: string, capacity: number): Promise<MoveResult> {
    const current = this.byId.get(id);
    if (!current) return { ok: false, reason: 'not-found' };
    const fromKey = nameKey(current.room);
    if (fromKey === nameKey(roomName)) return { ok: false, reason: 'same-room' };
    const to = this.roomFor(roomName);
    if (to.members.size >= capacity) {
      this.forgetIfEmpty(to);
      return { ok: false, reason: 'room-full' };
    }
    const from = this.roomsByKey.get(fromKey);
    const record: MemberRecord = { ...current, room: to.name };
    this.byId.set(id, record);
    to.members.set(id, record);
    let fromCount = 0;
    if (from) {
      from.members.delete(id);
      fromCount = from.members.size;
      this.forgetIfEmpty(from);
    }
    const { nickname } = current;
    const left = { kind: 'leave', room: fromKey, id, nickname, userCount: fromCount } as const;
    this.announce({ ...left, to: to.name });
    this.joined(to, record, to.members.size);
    return {
      ok: true,
      from: { room: current.room, userCount: fromCount },
      to: { room: to.name, userCount: to.members.size },
    };
  }

  async release(id: string, announce: boolean, lost?: LostMember): Promise<Released | undefined> {
    const released = this.releaseNow(id, announce);
    if (released || !announce || !lost) return released;
    const roomKey = nameKey(lost.room);
    const userCount = this.roomsByKey.get(roomKey)?.members.size ?? 0;
    if (userCount > 0) {
      this.announce({ kind: 'leave', room: roomKey, id, nickname: lost.nickname, userCount });
    }
    return undefined;
  }

  async members(roomName: string): Promise<MemberRecord[]> {
    const room = this.roomsByKey.get(nameKey(roomName));
    return room ? [...room.members.values()] : [];
  }

  async find(nickname: string): Promise<MemberRecord | undefined> {
    for (const key of nicknameKeys(nickname)) {
      const id = this.byNickname.get(key);
      if (id !== undefined) return this.byId.get(id);
    }
    return undefined;
  }

  async rooms(): Promise<RoomCount[]> {
    const list: RoomCount[] = [];
    for (const room of this.roomsByKey.values()) {
      list.push({ room: room.name, userCount: room.members.size });
    }
    return list.sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0));
  }

  /**
   * Removes every member connected to `node` (a node that died, for `MemoryNodeRegistry`), each
   * departure announced. Synchronous, so nothing interleaves with it.
   */
  releaseNode(node: string): Released[] {
    const released: Released[] = [];
    for (const member of [...this.byId.values()]) {
      if (member.node === node) released.push(this.releaseNow(member.id, true)!);
    }
    return released;
  }

  /** The ids of the members connected to `node` (for `MemoryNodeRegistry`). */
  membersOfNode(node: string): string[] {
    return [...this.byId.values()].filter((m) => m.node === node).map((m) => m.id);
  }

  async close(): Promise<void> {
    this.byId.clear();
    this.byNickname.clear();
    this.roomsByKey.clear();
  }

  private releaseNow(id: string, announce: boolean): Released | undefined {
    const current = this.byId.get(id);
    if (!current) return undefined;
    this.byId.delete(id);
    for (const key of nicknameKeys(current.nickname)) this.byNickname.delete(key);
    const roomKey = nameKey(current.room);
    const room = this.roomsByKey.get(roomKey);
    let userCount = 0;
    if (room) {
      room.members.delete(id);
      userCount = room.members.size;
      this.forgetIfEmpty(room);
    }
    const { nickname } = current;
    if (announce) this.announce({ kind: 'leave', room: roomKey, id, nickname, userCount });
    return { id, nickname, room: current.room, userCount };
  }

  private joined(room: Room, member: MemberRecord, userCount: number): void {
    const { id, nickname } = member;
    this.announce({ kind: 'join', room: room.key, roomName: room.name, id, nickname, userCount });
  }

  private announce(event: MembershipEvent): void {
    this.bus?.publish(eventDelivery(event));
  }

  private roomFor(name: string): Room {
    const key = nameKey(name);
    let room = this.roomsByKey.get(key);
    if (!room) {
      room = { name, key, members: new Map() };
      this.roomsByKey.set(key, room);
    }
    return room;
  }

  private forgetIfEmpty(room: Room): void {
    if (room.members.size === 0) this.roomsByKey.delete(room.key);
  }
}
