import type { NodeRegistry, NodeState } from '../backends/node-registry.js';
import { BackendUnavailableError } from '../backends/errors.js';
import { Cmd } from '../protocol/codes.js';
import { nameKey } from '../protocol/names.js';
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
    const { announcer, logger, nodeId } = services;
    try {
      const state = await this.registry.heartbeat(nodeId, HEARTBEAT_TTL_MS);
      if (!this.reachable) logger.warn('the cluster directory is reachable again');
      this.reachable = true;
      if (state !== 'known') await this.restore(services, state);
      await this.announcePostponed(services);
      for (const node of await this.registry.deadNodes()) {
        if (node === nodeId) continue;
        const released = await this.registry.reap(node);
        if (released.length > 0) {
          logger.info(`node ${node} stopped answering: ${released.length} of its members removed`);
        }
        for (const { id, nickname, room, userCount } of released) {
          // Marked as the member's leaving: if its node is alive after all, it is not told.
          const message = { cmd: Cmd.EXIT_BROADCAST, nickname, userCount } as const;
          announcer.announce(nameKey(room), message, undefined, { leaves: id });
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
   * back; after a reaping they were announced as gone, so they are announced as joining again.
   * A member whose nickname someone else took meanwhile cannot come back and is disconnected.
   */
  private async restore(services: NodeServices, state: Exclude<NodeState, 'known'>): Promise<void> {
    const { directory, membership, announcer, logger, nodeId } = services;
    const members = membership.localMembers();
    if (members.length === 0) return;
    logger.warn(
      `the cluster directory had lost this node (${state}): restoring ${members.length} members`,
    );
    for (const session of members) {
      const { remoteAddress: ip, remotePort: port } = session.endpoints;
      const { id, nickname, room } = session;
      const result = await directory.claim(
        { id, nickname, room, ip, port, node: nodeId },
        Infinity,
      );
      if (!result.ok) {
        session.end({ kind: 'error', error: 'NICKNAME_LOST' });
        continue;
      }
      if (state === 'reaped') {
        const message = {
          cmd: Cmd.NEW_USER_ENTERS,
          nickname,
          userCount: result.userCount,
        } as const;
        announcer.announce(session.roomKey, message, id);
      }
    }
  }

  /** Announces the departures that could not be announced while the directory was away. */
  private async announcePostponed({ directory, membership }: NodeServices): Promise<void> {
    const waiting = this.postponed;
    this.postponed = [];
    for (let i = 0; i < waiting.length; i++) {
      const departure = waiting[i]!;
      try {
        const released = await directory.release(departure.id);
        // Already gone (the directory lost its data): the room's count is what it has now.
        const userCount = released
          ? released.userCount
          : (await directory.members(departure.room)).length;
        membership.departed(departure, userCount);
      } catch (err) {
        this.postponed.push(...waiting.slice(i));
        throw err;
      }
    }
  }
}
