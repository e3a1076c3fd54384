/**
 * The fault schedule: which fault comes next, drawn from a seeded PRNG so that a run can be
 * repeated with its seed, and how each fault is applied and healed on the cluster.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosCluster } from './cluster.js';

/** The kinds of fault, one at a time. */
export const FAULT_KINDS = [
  'delay',
  'short-blackhole',
  'long-blackhole',
  'reset',
  'blackhole-reset',
  'kill-node',
  'redis-restart',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** One planned fault: its kind, the node it hits (not for a Redis restart) and its timing. */
export interface Fault {
  kind: FaultKind;
  node: number;
  /** How long the fault lasts before it is healed. */
  ms: number;
  /** For `delay`: the delay of each chunk. */
  delayMs: number;
}

/** An integer in [lo, hi]. */
export function between(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/**
 * Draws faults from a shuffled bag of every kind, refilled when empty: a short run still sees
 * each kind once in its first seven faults, which pure random draws would not promise.
 */
export class FaultPlan {
  private bag: FaultKind[] = [];

  constructor(
    private readonly rng: () => number,
    private readonly nodes: number,
  ) {}

  next(): Fault {
    if (this.bag.length === 0) {
      this.bag = [...FAULT_KINDS];
      for (let i = this.bag.length - 1; i > 0; i--) {
        const j = Math.floor(this.rng() * (i + 1));
        [this.bag[i], this.bag[j]] = [this.bag[j]!, this.bag[i]!];
      }
    }
    const kind = this.bag.shift()!;
    const node = Math.floor(this.rng() * this.nodes);
    const r = this.rng;
    switch (kind) {
      case 'delay':
        return { kind, node, ms: between(r, 2000, 5000), delayMs: between(r, 50, 500) };
      case 'short-blackhole': // under the 2.5 s lease: nobody may be disconnected for it
        return { kind, node, ms: between(r, 300, 1800), delayMs: 0 };
      case 'long-blackhole': // past the lease and the 3 s heartbeat: 925, then reaping
        return { kind, node, ms: between(r, 4000, 8000), delayMs: 0 };
      case 'blackhole-reset':
        return { kind, node, ms: between(r, 500, 6000), delayMs: 0 };
      case 'kill-node': // how long the node stays dead before it is started again
        return { kind, node, ms: between(r, 500, 3000), delayMs: 0 };
      case 'redis-restart': // how long Redis stays down
        return { kind, node, ms: between(r, 200, 2000), delayMs: 0 };
      case 'reset':
        return { kind, node, ms: 0, delayMs: 0 };
    }
  }
}

/** A fault in words, for the log and the report. */
export function describeFault(f: Fault): string {
  switch (f.kind) {
    case 'delay':
      return `delay ${f.delayMs} ms on node ${f.node}'s Redis link for ${f.ms} ms`;
    case 'redis-restart':
      return `Redis restarted (data lost), down ${f.ms} ms`;
    case 'kill-node':
      return `SIGKILL node ${f.node}, restarted after ${f.ms} ms`;
    case 'reset':
      return `reset node ${f.node}'s Redis connections`;
    default:
      return `${f.kind} on node ${f.node}'s Redis link for ${f.ms} ms`;
  }
}

/** Applies `fault` and heals it; resolves once it is healed. */
export async function inject(cluster: ChaosCluster, fault: Fault): Promise<void> {
  const proxy = cluster.proxies[fault.node]!;
  switch (fault.kind) {
    case 'delay':
      proxy.delay(fault.delayMs);
      await sleep(fault.ms);
      proxy.pass();
      return;
    case 'short-blackhole':
    case 'long-blackhole':
      proxy.blackhole();
      await sleep(fault.ms);
      proxy.pass(); // held bytes go on late, as after a healed partition
      return;
    case 'blackhole-reset':
      proxy.blackhole();
      await sleep(fault.ms);
      proxy.reset(); // held bytes are dropped: the node must notice and reconnect
      proxy.pass();
      return;
    case 'reset':
      proxy.reset();
      return;
    case 'kill-node':
      await cluster.killNode(fault.node);
      await sleep(fault.ms);
      await cluster.startNode(fault.node);
      return;
    case 'redis-restart':
      await cluster.restartRedis(fault.ms);
      return;
  }
}
