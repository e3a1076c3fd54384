import { nameKey } from '../protocol/names.js';
import type {
  ClaimResult,
  Directory,
  MemberRecord,
  MoveResult,
  NewMember,
  Released,
  RenameResult,
  RoomCount,
} from './directory.js';

interface Room {
  /** Display name: the spelling of whoever created the room. */
  readonly name: string;
  /** Members by id, in join order (a Map keeps insertion order). */
  readonly members: Map<string, MemberRecord>;
}

/**
 * The single-node directory. Each method runs to completion synchronously before its promise
 * resolves, so no two changes can interleave: claims, renames and moves are atomic. Several
 * servers in one process may share one (with a `MemoryNodeRegistry` and one bus).
 */
export class MemoryDirectory implements Directory {
  private readonly byId = new Map<string, MemberRecord>();
  /** nickname key -> member id */
  private readonly byNickname = new Map<string, string>();
  /** room key -> room */
  private readonly roomsByKey = new Map<string, Room>();

  async claim(member: NewMember, capacity: number): Promise<ClaimResult> {
    const nickKey = nameKey(member.nickname);
    if (this.byNickname.has(nickKey)) return { ok: false, reason: 'nickname-taken' };
    const room = this.roomFor(member.room);
    if (room.members.size >= capacity) {
      this.forgetIfEmpty(room);
      return { ok: false, reason: 'room-full' };
    }
    const record: MemberRecord = { ...member, room: room.name };
    this.byId.set(member.id, record);
    this.byNickname.set(nickKey, member.id);
    room.members.set(member.id, record);
    return { ok: true, room: room.name, userCount: room.members.size };
  }

  async rename(id: string, newNickname: string): Promise<RenameResult> {
    const current = this.byId.get(id);
    if (!current) return { ok: false, reason: 'not-found' };
    const newKey = nameKey(newNickname);
    const holder = this.byNickname.get(newKey);
    if (holder !== undefined && holder !== id) return { ok: false, reason: 'nickname-taken' };
    const record: MemberRecord = { ...current, nickname: newNickname };
    this.byNickname.delete(nameKey(current.nickname));
    this.byNickname.set(newKey, id);
    this.byId.set(id, record);
    const room = this.roomsByKey.get(nameKey(current.room));
    if (room) {
      // The seed deletes and re-adds the entry, so a renamed member is listed last.
      room.members.delete(id);
      room.members.set(id, record);
    }
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
    return {
      ok: true,
      from: { room: current.room, userCount: fromCount },
      to: { room: to.name, userCount: to.members.size },
    };
  }

  async release(id: string): Promise<Released | undefined> {
    return this.releaseNow(id);
  }

  private releaseNow(id: string): Released | undefined {
    const current = this.byId.get(id);
    if (!current) return undefined;
    this.byId.delete(id);
    this.byNickname.delete(nameKey(current.nickname));
    const room = this.roomsByKey.get(nameKey(current.room));
    let userCount = 0;
    if (room) {
      room.members.delete(id);
      userCount = room.members.size;
      this.forgetIfEmpty(room);
    }
    return { id, nickname: current.nickname, room: current.room, userCount };
  }

  async members(roomName: string): Promise<MemberRecord[]> {
    const room = this.roomsByKey.get(nameKey(roomName));
    return room ? [...room.members.values()] : [];
  }

  async find(nickname: string): Promise<MemberRecord | undefined> {
    const id = this.byNickname.get(nameKey(nickname));
    return id === undefined ? undefined : this.byId.get(id);
  }

  async rooms(): Promise<RoomCount[]> {
    const list: RoomCount[] = [];
    for (const room of this.roomsByKey.values()) {
      list.push({ room: room.name, userCount: room.members.size });
    }
    return list.sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0));
  }

  /**
   * Removes every member connected to `node` (a node that died, for `MemoryNodeRegistry`).
   * Synchronous, so nothing interleaves with it.
   */
  releaseNode(node: string): Released[] {
    const released: Released[] = [];
    for (const member of [...this.byId.values()]) {
      if (member.node === node) released.push(this.releaseNow(member.id)!);
    }
    return released;
  }

  async close(): Promise<void> {
    this.byId.clear();
    this.byNickname.clear();
    this.roomsByKey.clear();
  }

  private roomFor(name: string): Room {
    const key = nameKey(name);
    let room = this.roomsByKey.get(key);
    if (!room) {
      room = { name, members: new Map() };
      this.roomsByKey.set(key, room);
    }
    return room;
  }

  private forgetIfEmpty(room: Room): void {
    if (room.members.size === 0) this.roomsByKey.delete(nameKey(room.name));
  }
}
