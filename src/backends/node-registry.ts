import type { Released } from './directory.js';

/**
 * The node registry: which nodes of a cluster are alive (docs/protocol.md, section 9). Each node
 * renews a heartbeat with a time to live; a node whose heartbeat expired is dead, and its members
 * are removed from the directory once, by whichever node reaps it first. Only a cluster has one:
 * a single node needs no liveness. Implementations pass one contract suite
 * (test/backends/node-registry-contract.ts).
 */

/** What a heartbeat learned about the node (see {@link NodeRegistry.heartbeat}). */
export type NodeState =
  /** The registry knows the node and its members. */
  | 'known'
  /** The registry has no record of the node: it is new, or the storage lost its data. */
  | 'fresh'
  /** Other nodes gave the node up for dead and removed its members. */
  | 'reaped';

/**
 * The registry contract. Every method is atomic with respect to every other call, on any node,
 * and to the directory's changes. A method that cannot reach shared storage rejects with
 * `BackendUnavailableError` (errors.ts).
 */
export interface NodeRegistry {
  /**
   * Marks a node alive for `ttlMs` (every node calls it well within the TTL). Tells whether the
   * registry still knew the node.
   */
  heartbeat(node: string, ttlMs: number): Promise<NodeState>;
  /** Nodes whose heartbeat has expired. */
  deadNodes(): Promise<string[]>;
  /**
   * Removes every member of a dead node from the directory, atomically and only once however
   * many nodes ask; returns what was removed, each with the count its room had left. Empty if the
   * node is alive again or already reaped.
   */
  reap(node: string): Promise<Released[]>;
  /** The ids of the members the directory lists for a node. */
  members(node: string): Promise<string[]>;
  /**
   * Forgets a node that shut down cleanly, releasing (and announcing) every member still listed
   * for it, such as one whose own release failed during an outage.
   */
  retire(node: string): Promise<void>;
}
