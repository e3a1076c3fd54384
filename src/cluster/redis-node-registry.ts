import type { Redis } from 'ioredis';
import type { Released } from '../backends/directory.js';
import type { NodeRegistry, NodeState } from '../backends/node-registry.js';
import { REGISTRY_SCRIPTS } from './redis-lua.js';
import { Scripts } from './redis-scripts.js';

/**
 * The {@link NodeRegistry} on the cluster's Redis, beside the directory's keys: a reap removes a
 * dead node's members in the same script that decides it is dead, so it happens once however
 * many nodes ask. Passes the same contract suite as the in-memory registry.
 */
export class RedisNodeRegistry implements NodeRegistry {
  private readonly scripts: Scripts<keyof typeof REGISTRY_SCRIPTS>;

  /**
   * @param redis a connection used for commands; not closed here
   * @param prefix the directory's prefix (the layout is in redis-lua.ts)
   */
  constructor(redis: Redis, prefix: string) {
    this.scripts = new Scripts(redis, prefix, REGISTRY_SCRIPTS);
  }

  async heartbeat(node: string, ttlMs: number): Promise<NodeState> {
    const state = await this.scripts.call('heartbeat', node, String(ttlMs));
    return state === 'reaped' || state === 'fresh' ? state : 'known';
  }

  async deadNodes(): Promise<string[]> {
    return (await this.scripts.read('dead')).map(String);
  }

  async reap(node: string): Promise<Released[]> {
    const r = await this.scripts.run('reap', node);
    const released: Released[] = [];
    for (let i = 0; i + 3 < r.length; i += 4) {
      released.push({
        nickname: String(r[i]),
        room: String(r[i + 1]),
        userCount: Number(r[i + 2]),
        id: String(r[i + 3]),
      });
    }
    return released;
  }

  async members(node: string): Promise<string[]> {
    return (await this.scripts.read('nodeMembers', node)).map(String);
  }

  async retire(node: string): Promise<void> {
    await this.scripts.run('retire', node);
  }
}
