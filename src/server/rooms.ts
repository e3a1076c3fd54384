import type { Connection } from './connection.js';

/**
 * This node's room index: room key -> the local member connections, for fan-out. The directory
 * is the authority on membership across nodes; this index only says whom to write to here.
 */
export class LocalRooms {
  private readonly byRoom = new Map<string, Set<Connection>>();

  /** The local members of a room. */
  get(roomKey: string): ReadonlySet<Connection> | undefined {
    return this.byRoom.get(roomKey);
  }

  add(conn: Connection): void {
    let members = this.byRoom.get(conn.roomKey);
    if (!members) {
      members = new Set();
      this.byRoom.set(conn.roomKey, members);
    }
    members.add(conn);
  }

  /** Removes a connection from its room; safe during a fan-out over that room. */
  remove(conn: Connection): void {
    const members = this.byRoom.get(conn.roomKey);
    if (!members) return;
    members.delete(conn);
    if (members.size === 0) this.byRoom.delete(conn.roomKey);
  }
}
