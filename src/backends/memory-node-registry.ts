import type { Released } from './directory.js';
import type { MemoryDirectory } from './memory-directory.js';
import type { NodeRegistry, NodeState } from './node-registry.js';

/** The time source a registry measures heartbeats with, in milliseconds. */
export type Now = () => number;

/**
 * The node registry in memory, over a {@link MemoryDirectory}: for several servers in one
 * process that share one directory and bus, and for testing what a cluster does with node
 * liveness under a clock the test controls. Every method completes synchronously before its
 * promise resolves, so each is atomic.
 */
export class MemoryNodeRegistry implements NodeRegistry {
  /** node -> end of its heartbeat */
  private readonly aliveUntil = new Map<string, number>();
  /** Nodes reaped since their last heartbeat. */
  private readonly reaped = new Set<string>();

  /**
   * @param directory the directory whose members the registry removes when their node dies
   * @param now the clock heartbeats are measured with (default: `performance.now`)
   */
  constructor(
    private readonly directory: MemoryDirectory,
    private readonly now: Now = () => performance.now(),
  ) {}

  async heartbeat(node: string, ttlMs: number): Promise<NodeState> {
    const known = this.aliveUntil.has(node);
    this.aliveUntil.set(node, this.now() + ttlMs);
    if (known) return 'known';
    return this.reaped.delete(node) ? 'reaped' : 'fresh';
  }

  async deadNodes(): Promise<string[]> {
    const now = this.now();
    return [...this.aliveUntil].filter(([, until]) => until <= now).map(([node]) => node);
  }

  async reap(node: string): Promise<Released[]> {
    if ((this.aliveUntil.get(node) ?? -Infinity) > this.now()) return [];
    const known = this.aliveUntil.delete(node);
    const released = this.directory.releaseNode(node);
    if (known || released.length > 0) this.reaped.add(node);
    return released;
  }

  async members(node: string): Promise<string[]> {
    return this.directory.membersOfNode(node);
  }

  async retire(node: string): Promise<void> {
    this.directory.releaseNode(node);
    this.aliveUntil.delete(node);
    this.reaped.delete(node);
  }
}
