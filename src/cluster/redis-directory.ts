import type { Redis } from 'ioredis';
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
} from '../backends/directory.js';
import { nameKey, nicknameKeys } from '../protocol/names.js';
import { DIRECTORY_SCRIPTS } from './redis-lua.js';
import { Scripts, fencedError, lateError, type RedisTime } from './redis-scripts.js';

/** How long a node answers ROOMS from the room list it read last (rule 7.2). */
export const ROOMS_CACHE_MS = 1000;

/** The least time between two reads of the room list, however often this node changes it. */
const ROOMS_MIN_READ_MS = 100;

/**
 * The {@link Directory} on a shared Redis: the nodes of a cluster see one set of nicknames,
 * rooms and capacities. Passes the same contract suite as the in-memory directory.
 */
export class RedisDirectory implements Directory {
  private readonly scripts: Scripts<keyof typeof DIRECTORY_SCRIPTS>;
  /** The last room list read, and when (see {@link rooms}). */
  private roomList:
    | { readonly at: number; readonly list: Promise<RoomCount[]>; stale: boolean; sent: boolean }
    | undefined;
  /** When the last read of the room list was sent. */
  private lastRead = -Infinity;

  /**
   * @param redis a connection used for commands (not for subscriptions); the directory does
   *   not close it
   * @param prefix keys start with `{prefix}:` (the layout is in redis-lua.ts)
   * @param time Redis's clock, for the deadlines of the changes made on a client's behalf
   */
  constructor(
    redis: Redis,
    prefix: string,
    private readonly time?: RedisTime,
  ) {
    this.scripts = new Scripts(redis, prefix, DIRECTORY_SCRIPTS);
  }

  /** The deadline of a change sent now ('' for none, without a clock). */
  private deadline(): string {
    return this.time?.deadline() ?? '';
  }

  async claim(member: NewMember, capacity: number, announce: boolean): Promise<ClaimResult> {
    this.roomsChanged();
    const r = await this.scripts.run(
      'claim',
      member.id,
      nicknameKeys(member.nickname).join('\n'),
      member.nickname,
      nameKey(member.room),
      member.room,
      member.ip,
      String(member.port),
      member.node,
      String(Number.isFinite(capacity) ? capacity : -1),
      announce ? '1' : '0',
      // Putting a member back too: one that reached Redis after the others reaped this node
      // would be listed for a node nobody reaps again.
      this.deadline(),
    );
    this.roomsChanged();
    if (r[0] === 1) return { ok: true, room: String(r[1]), userCount: Number(r[2]) };
    if (r[1] === 'late') throw lateError();
    if (r[1] === 'fenced') throw fencedError();
    return { ok: false, reason: r[1] === 'room-full' ? 'room-full' : 'nickname-taken' };
  }

  async rename(id: string, newNickname: string): Promise<RenameResult> {
    const r = await this.scripts.run(
      'rename',
      id,
      nicknameKeys(newNickname).join('\n'),
      newNickname,
      this.deadline(),
    );
    if (r[0] === 1) return { ok: true, oldNickname: String(r[1]), room: String(r[2]) };
    if (r[1] === 'late') throw lateError();
    return { ok: false, reason: r[1] === 'not-found' ? 'not-found' : 'nickname-taken' };
  }

  async move(id: string, room: string, capacity: number): Promise<MoveResult> {
    this.roomsChanged();
    const r = await this.scripts.run(
      'move',
      id,
      nameKey(room),
      room,
      String(Number.isFinite(capacity) ? capacity : 2 ** 31),
      this.deadline(),
    );
    this.roomsChanged();
    if (r[1] === 'late') throw lateError();
    if (r[0] !== 1) {
      const reason =
        r[1] === 'room-full' ? 'room-full' : r[1] === 'same-room' ? 'same-room' : 'not-found';
      return { ok: false, reason };
    }
    return {
      ok: true,
      from: { room: String(r[1]), userCount: Number(r[2]) },
      to: { room: String(r[3]), userCount: Number(r[4]) },
    };
  }

  async release(id: string, announce: boolean, lost?: LostMember): Promise<Released | undefined> {
    this.roomsChanged();
    const r = await this.scripts.run(
      'release',
      id,
      announce ? '1' : '0',
      lost?.nickname ?? '',
      lost ? nameKey(lost.room) : '',
    );
    this.roomsChanged();
    if (r.length === 0) return undefined;
    return { id, nickname: String(r[0]), room: String(r[1]), userCount: Number(r[2]) };
  }

  async members(room: string): Promise<MemberRecord[]> {
    const r = await this.scripts.read('members', nameKey(room));
    const name = String(r[0] ?? room);
    const list: MemberRecord[] = [];
    for (let i = 1; i + 4 < r.length; i += 5) {
      list.push({
        id: String(r[i]),
        nickname: String(r[i + 1]),
        room: name,
        ip: String(r[i + 2]),
        port: Number(r[i + 3]),
        node: String(r[i + 4]),
      });
    }
    return list;
  }

  async find(nickname: string): Promise<MemberRecord | undefined> {
    const r = await this.scripts.read('find', nicknameKeys(nickname).join('\n'));
    if (r.length === 0) return undefined;
    return {
      id: String(r[0]),
      nickname: String(r[1]),
      room: String(r[2]),
      ip: String(r[3]),
      port: Number(r[4]),
      node: String(r[5]),
    };
  }

  /**
   * Every room with its count, ordered by name. Read from Redis at most once per
   * ROOMS_CACHE_MS, and again after a change this node made, so a client sees its own changes
   * and other nodes' within ROOMS_CACHE_MS (rule 7.2); concurrent askers share one read, and
   * however much this node changes, it reads at most every ROOMS_MIN_READ_MS.
   */
  rooms(): Promise<RoomCount[]> {
    const now = performance.now();
    const cached = this.roomList;
    // A read not sent yet will see every change made before it goes: share it, stale or not.
    if (cached && (!cached.sent || (!cached.stale && now - cached.at < ROOMS_CACHE_MS))) {
      return cached.list;
    }
    const wait = Math.max(0, this.lastRead + ROOMS_MIN_READ_MS - now);
    const read = () => {
      entry.sent = true;
      this.lastRead = performance.now();
      return this.readRooms();
    };
    const entry = {
      at: now + wait,
      stale: false,
      sent: false,
      list:
        wait > 0
          ? new Promise<void>((resolve) => setTimeout(resolve, wait)).then(read)
          : Promise.resolve().then(read),
    };
    this.roomList = entry;
    entry.list.catch(() => {
      if (this.roomList === entry) this.roomList = undefined;
    });
    return entry.list;
  }

  /** A change of this node's: the next ROOMS reads the list again. */
  private roomsChanged(): void {
    if (this.roomList) this.roomList.stale = true;
  }

  private async readRooms(): Promise<RoomCount[]> {
    const [names, counts] = (await this.scripts.read('rooms')) as unknown as [string[], string[]];
    const count = new Map<string, number>();
    for (let i = 0; i + 1 < counts.length; i += 2) count.set(counts[i]!, Number(counts[i + 1]));
    const list: RoomCount[] = [];
    for (let i = 0; i + 1 < names.length; i += 2) {
      list.push({ room: names[i + 1]!, userCount: count.get(names[i]!) ?? 0 });
    }
    return list.sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0));
  }

  /** The connection belongs to whoever created it. */
  async close(): Promise<void> {}
}
