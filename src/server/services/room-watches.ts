import type { Bus } from '../../backends/bus.js';

/**
 * The bus watches each session holds: a session watches a room before it joins it, so that
 * nothing published after its join is missed (in a cluster a watch is a subscription, which
 * takes a round trip), and lets go when it has left. The bus counts watches per room.
 */
export class RoomWatches {
  /** Session id -> room keys it holds a watch on. */
  private readonly held = new Map<string, Set<string>>();

  constructor(private readonly bus: Bus) {}

  /** Watches a room on behalf of a session, once however often it asks. */
  async watch(id: string, roomKey: string): Promise<void> {
    let keys = this.held.get(id);
    if (keys?.has(roomKey)) return;
    await this.bus.watch(roomKey);
    keys ??= this.held.get(id) ?? new Set();
    this.held.set(id, keys);
    keys.add(roomKey);
  }

  /** Drops a session's watch on one room, or on every room it holds. */
  unwatch(id: string, roomKey?: string): void {
    const keys = this.held.get(id);
    if (!keys) return;
    for (const key of roomKey === undefined ? [...keys] : [roomKey]) {
      if (keys.delete(key)) this.bus.unwatch(key);
    }
    if (keys.size === 0) this.held.delete(id);
  }
}
