import type { NodeRegistry, NodeState } from '../backends/node-registry.js';
import { BackendUnavailableError } from '../backends/errors.js';
import type { Timer } from '../server/clock.js';
import type { NodeAgent, NodeServices } from '../server/node-agent.js';
import type { Departure } from '../server/services/releases.js';

/** How often a node renews its heartbeat and looks for dead nodes. */
export const HEARTBEAT_MS = 1000;
/** How long a heartbeat keeps a node alive: a node silent this long is dead (rule 9.6). */
export const HEARTBEAT_TTL_MS = 3000;

/**
 * This node's part in a cluster (docs/protocol.md, section 9), over any shared directory and
 * {@link NodeRegistry}: it keeps the node alive with heartbeats, removes the members of nodes
 * that died (announcing each departure once), puts its own members back when the cluster lost
 * them, and announces departures that happened while the directory could not be reached.
 * Transport-neutral: it only calls the backends' interfaces and the server's services.
 */
export class Liveness implements NodeAgent {
  private services: NodeServices | undefined;
  private timer: Timer | undefined;
  private running = false;
  private reachable = true;
  private postponed: Departure[] = [];
  /** The cluster's data was lost since departures were postponed: nobody announced them. */
  private dataLost = false;

  constructor(private readonly registry: NodeRegistry) {}

  /** Registers the node (the first heartbeat), then keeps it alive. */
  async start(services: NodeServices): Promise<void> {
    this.services = services;
    await this.tick();
    this.timer = services.clock.setInterval(() => void this.tick(), HEARTBEAT_MS).unref();
  }

  stop(): void {
    this.services?.clock.clearInterval(this.timer);
  }

  postpone(departure: Departure): void {
    this.postponed.push(departure);
  }

  async retire(): Promise<void> {
    if (this.services) await this.registry.retire(this.services.nodeId);
  }

  /** One heartbeat: renew, restore if forgotten, announce what waited, reap the dead. */
  async tick(): Promise<void> {
    const services = this.services;
    if (this.running || !services) return;
    this.running = true;
    const { logger, nodeId } = services;
    try {
      const state = await this.registry.heartbeat(nodeId, HEARTBEAT_TTL_MS);
      if (!this.reachable) logger.warn('the cluster directory is reachable again');
      this.reachable = true;
      if (state === 'fresh') this.dataLost = true;
      if (state !== 'known') await this.restore(services, state);
      await this.announcePostponed(services);
      for (const node of await this.registry.deadNodes()) {
        if (node === nodeId) continue;
        const released = await this.registry.reap(node);
        // The reap announced each departure; marked as the member's leaving, so that if its
        // node is alive after all, the member itself is not told.
        if (released.length > 0) {
          logger.info(`node ${node} stopped answering: ${released.length} of its members removed`);
        }
      }
    } catch (err) {
      if (err instanceof BackendUnavailableError) {
        if (this.reachable) logger.warn(`the cluster directory is unreachable: ${err.message}`);
        this.reachable = false;
      } else logger.error(`cluster heartbeat failed: ${(err as Error).stack ?? String(err)}`);
    } finally {
      this.running = false;
    }
  }

  /**
   * The registry no longer knows this node: its data was lost (a Redis restart: `fresh`), or the
   * other nodes took the node for dead and removed its members (`reaped`). Put the members
   * back; after a reaping they were announced as gone, so they are announced as joining again
   * (by the claim, in the room's order). A member whose nickname someone else took meanwhile
   * cannot come back and is disconnected.
   */
  private async restore(services: NodeServices, state: Exclude<NodeState, 'known'>): Promise<void> {
    const { directory, membership, logger, nodeId } = services;
    const members = membership.localMembers();
    if (members.length === 0) return;
    logger.warn(
      `the cluster directory had lost this node (${state}): restoring ${members.length} members`,
    );
    for (const session of members) {
      const { remoteAddress: ip, remotePort: port } = session.endpoints;
      const { id, nickname, room } = session;
      const member = { id, nickname, room, ip, port, node: nodeId };
      const result = await directory.claim(member, Infinity, state === 'reaped');
      if (!result.ok) session.end({ kind: 'error', error: 'NICKNAME_LOST' });
    }
  }

  /** Releases, and so announces, the departures the directory could not take while away. */
  private async announcePostponed({ membership }: NodeServices): Promise<void> {
    const waiting = this.postponed;
    this.postponed = [];
    for (let i = 0; i < waiting.length; i++) {
      try {
        await membership.retryDeparture(waiting[i]!, this.dataLost);
      } catch (err) {
        this.postponed.push(...waiting.slice(i));
        throw err;
      }
    }
    this.dataLost = false;
  }
}
