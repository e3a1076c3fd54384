import type { Bus } from '../../backends/bus.js';

/**
 * The bus watches each session holds: a session watches a room before it joins it, so that
 * nothing published after its join is missed (in a cluster a watch is a subscription, which
 * takes a round trip), and lets go when it has left. The bus counts watches per room.
 */
export class RoomWatches {
  /**
   * Session id -> the room key it holds a watch on, or the keys when it holds several (while it
   * moves): one string per member rather than a Set of one, for memory (a member costs its
   * entries in every per-member table, and a Set is a hundred bytes or more).
   */
  private readonly held = new Map<string, string | Set<string>>();

  constructor(private readonly bus: Bus) {}

  /** Watches a room on behalf of a session, once however often it asks. */
  async watch(id: string, roomKey: string): Promise<void> {
    if (holds(this.held.get(id), roomKey)) return;
    await this.bus.watch(roomKey);
    const keys = this.held.get(id);
    if (keys === undefined) this.held.set(id, roomKey);
    else if (typeof keys === 'string') this.held.set(id, new Set([keys, roomKey]));
    else keys.add(roomKey);
  }

  /** Drops a session's watch on one room, or on every room it holds. */
  unwatch(id: string, roomKey?: string): void {
    const keys = this.held.get(id);
    if (keys === undefined) return;
    if (typeof keys === 'string') {
      if (roomKey !== undefined && roomKey !== keys) return;
      this.held.delete(id);
      this.bus.unwatch(keys);
      return;
    }
    for (const key of roomKey === undefined ? [...keys] : [roomKey]) {
      if (keys.delete(key)) this.bus.unwatch(key);
    }
    if (keys.size === 0) this.held.delete(id);
    else if (keys.size === 1) this.held.set(id, keys.values().next().value as string);
  }
}

function holds(keys: string | Set<string> | undefined, roomKey: string): boolean {
  return typeof keys === 'string' ? keys === roomKey : keys?.has(roomKey) === true;
}
