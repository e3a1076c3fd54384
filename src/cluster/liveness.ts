import type { NodeRegistry, NodeState } from '../backends/node-registry.js';
import { BackendUnavailableError } from '../backends/errors.js';
import type { Timer } from '../server/clock.js';
import type { NodeAgent, NodeServices } from '../server/node-agent.js';
import type { Departure } from '../server/services/releases.js';

/** How often a node renews its heartbeat. */
export const HEARTBEAT_MS = 500;
/** How long a heartbeat keeps a node alive: a node silent this long is dead (rule 9.6). */
export const HEARTBEAT_TTL_MS = 3000;
/**
 * How long after sending a heartbeat that was answered the node goes on serving its members:
 * less than HEARTBEAT_TTL_MS, so that it stops before any other node can take it for dead
 * (rule 9.14).
 */
export const LEASE_MS = 2500;
/** How often the node looks at its lease. */
const LEASE_CHECK_MS = 100;
/** How often the node compares the members the directory lists for it with its own. */
export const RECONCILE_MS = 5000;
/** Members put back at once after the directory lost them (one round trip per batch). */
const RESTORE_BATCH = 100;

/**
 * This node's part in a cluster (docs/protocol.md, section 9), over any shared directory and
 * {@link NodeRegistry}. Two loops that never wait for each other:
 *
 * - the heartbeat, every HEARTBEAT_MS, keeps the node alive and renews its lease: while the lease
 *   lasts the node serves its members; once it runs out (Redis frozen, cut off, or this process
 *   stalled) the other nodes may take it for dead at any moment, so it disconnects its members
 *   with CLUSTER_UNREACHABLE rather than let them go on as if nothing happened (rule 9.14);
 * - the chores, after each answered heartbeat: put its members back when the directory lost
 *   them, announce departures that happened while the directory could not be reached, reap
 *   dead nodes (announcing each departure once), and every RECONCILE_MS release the members the
 *   directory lists for this node that it does not hold (the claims whose answers were lost) and
 *   put back the members it holds that the directory lost.
 *
 * Transport-neutral: it only calls the backends' interfaces and the server's services.
 */
export class Liveness implements NodeAgent {
  private services: NodeServices | undefined;
  private timers: Timer[] = [];
  private beating = false;
  private choring = false;
  private reachable = true;
  /** Until when (on the node's clock) the node may serve its members. */
  private leaseUntil = -Infinity;
  /** The lease ran out and that was logged. */
  private lapsed = false;
  /** The directory lost this node, which the chores must repair. */
  private lost: Exclude<NodeState, 'known'> | undefined;
  private postponed: Departure[] = [];
  /** The cluster's data was lost since departures were postponed: nobody announced them. */
  /**
   * Departures postponed before Redis was found to have lost its data: their members may be
   * gone from it unannounced. A departure postponed later was released by a Redis that had it.
   */
  private readonly lostDepartures = new WeakSet<Departure>();
  private nextReconcile = 0;

  constructor(private readonly registry: NodeRegistry) {}

  /** Registers the node (the first heartbeat), then keeps it alive. */
  async start(services: NodeServices): Promise<void> {
    this.services = services;
    const { clock } = services;
    await this.beat();
    this.nextReconcile = clock.now() + RECONCILE_MS;
    this.timers = [
      clock.setInterval(() => void this.beat(), HEARTBEAT_MS).unref(),
      clock.setInterval(() => this.checkLease(), LEASE_CHECK_MS).unref(),
    ];
  }

  stop(): void {
    for (const timer of this.timers) this.services?.clock.clearInterval(timer);
    this.timers = [];
  }

  postpone(departure: Departure): void {
    this.postponed.push(departure);
  }

  /** True while the lease holds: a heartbeat Redis answered was sent less than LEASE_MS ago. */
  serving(): boolean {
    return !!this.services && this.services.clock.now() < this.leaseUntil;
  }

  async retire(): Promise<void> {
    if (this.services) await this.registry.retire(this.services.nodeId);
  }

  /** One heartbeat, then the chores if it was answered. */
  async beat(): Promise<void> {
    if (await this.heartbeat()) await this.chores();
  }

  /** Renews the heartbeat and the lease; true when the registry answered. */
  private async heartbeat(): Promise<boolean> {
    const services = this.services;
    if (this.beating || !services) return false;
    this.beating = true;
    const { logger, nodeId, clock } = services;
    // The heartbeat's time to live starts when Redis runs it, after this: the lease counts
    // from here, so it ends before the heartbeat does.
    const sentAt = clock.now();
    try {
      const state = await this.registry.heartbeat(nodeId, HEARTBEAT_TTL_MS);
      // A call made anyway, twice a second, on the connection every command takes: its round
      // trip is the one clients' requests see (queueing and event-loop delay included).
      services.roundTrip?.((clock.now() - sentAt) / 1000);
      this.leaseUntil = Math.max(this.leaseUntil, sentAt + LEASE_MS);
      if (!this.reachable) logger.warn('the cluster directory is reachable again');
      this.reachable = true;
      this.lapsed = false;
      if (state === 'fresh') for (const d of this.postponed) this.lostDepartures.add(d);
      if (state === 'reaped' || (state === 'fresh' && !this.lost)) this.lost = state;
      return true;
    } catch (err) {
      // A heartbeat that failed took at least this long: left out, Redis would look fastest
      // exactly when it is slow or gone.
      services.roundTrip?.((clock.now() - sentAt) / 1000);
      if (err instanceof BackendUnavailableError) {
        if (this.reachable) logger.warn(`the cluster directory is unreachable: ${err.message}`);
        this.reachable = false;
      } else logger.error(`cluster heartbeat failed: ${(err as Error).stack ?? String(err)}`);
      return false;
    } finally {
      this.beating = false;
    }
  }

  /**
   * The lease ran out: the other nodes may have announced this node's members as gone already,
   * and anyone may hold their nicknames. Every member is told and disconnected (rule 9.14).
   */
  private checkLease(): void {
    const services = this.services;
    if (!services || services.clock.now() < this.leaseUntil) return;
    const members = services.membership.localMembers();
    if (!this.lapsed) {
      this.lapsed = true;
      services.logger.warn(
        `no heartbeat answered for ${LEASE_MS} ms: the other nodes may take this node for dead;` +
          ` disconnecting its ${members.length} members`,
      );
    }
    for (const session of members) session.end({ kind: 'error', error: 'CLUSTER_UNREACHABLE' });
  }

  /** Repairs, announcements and reaping, one run at a time, never holding up the heartbeat. */
  private async chores(): Promise<void> {
    const services = this.services;
    if (this.choring || !services) return;
    this.choring = true;
    try {
      // Reaping first: a dead node's members hold nicknames and seats, and how long they do is
      // bounded (rule 9.6) only if nothing slower comes before.
      await this.reapDead(services);
      const lost = this.lost;
      if (lost) {
        this.lost = undefined;
        try {
          await this.restore(services, lost);
        } catch (err) {
          this.lost ??= lost;
          throw err;
        }
      }
      await this.announcePostponed(services);
      if (services.clock.now() >= this.nextReconcile) {
        this.nextReconcile = services.clock.now() + RECONCILE_MS;
        await this.reconcile(services);
      }
    } catch (err) {
      // Unreachable again: the next heartbeat says so, and the next chores start over.
      if (!(err instanceof BackendUnavailableError)) {
        services.logger.error(`cluster chores failed: ${(err as Error).stack ?? String(err)}`);
      }
    } finally {
      this.choring = false;
    }
  }

  /** Removes the members of every dead node; the reap announces each departure. */
  private async reapDead({ nodeId, logger }: NodeServices): Promise<void> {
    for (const node of await this.registry.deadNodes()) {
      if (node === nodeId) continue;
      const released = await this.registry.reap(node);
      if (released.length > 0) {
        logger.info(`node ${node} stopped answering: ${released.length} of its members removed`);
      }
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
    const members = services.membership.localMembers();
    if (members.length === 0) return;
    services.logger.warn(
      `the cluster directory had lost this node (${state}): restoring ${members.length} members`,
    );
    for (let i = 0; i < members.length; i += RESTORE_BATCH) {
      const batch = members.slice(i, i + RESTORE_BATCH);
      await Promise.all(batch.map((session) => this.claimAgain(services, session, state)));
    }
  }

  /** Claims a member of this node again; one whose nickname is taken is disconnected. */
  private async claimAgain(
    { directory, nodeId }: NodeServices,
    session: ReturnType<NodeServices['membership']['localMembers']>[number],
    state: Exclude<NodeState, 'known'>,
  ): Promise<void> {
    if (session.phase !== 'member') return;
    const { remoteAddress: ip, remotePort: port } = session.endpoints;
    const { id, nickname, room } = session;
    const member = { id, nickname, room, ip, port, node: nodeId };
    const result = await directory.claim(member, Infinity, state === 'reaped');
    if (!result.ok) session.end({ kind: 'error', error: 'NICKNAME_LOST' });
  }

  /**
   * Compares the members the directory lists for this node with the ones it holds. A listed id
   * it does not hold is a ghost (a claim whose answer was lost, a release that failed): it is
   * released, and announced. A member it has held all along that the directory no longer lists
   * is claimed again, and announced (rule 9.14).
   */
  private async reconcile(services: NodeServices): Promise<void> {
    const { directory, membership, logger, nodeId } = services;
    const before = new Set(membership.localMembers().map((s) => s.id));
    const listed = new Set(await this.registry.members(nodeId));
    // Read after the directory answered: a claim it listed is held by now, or its session ended.
    const held = membership.heldIds();
    for (const departure of this.postponed) held.add(departure.id);
    const ghosts = [...listed].filter((id) => !held.has(id));
    for (const id of ghosts) await directory.release(id, true);
    const missing = membership.localMembers().filter((s) => before.has(s.id) && !listed.has(s.id));
    for (const session of missing) await this.claimAgain(services, session, 'reaped');
    if (ghosts.length + missing.length > 0) {
      logger.warn(
        `the cluster directory disagreed with this node: ${ghosts.length} members released, ` +
          `${missing.length} put back`,
      );
    }
  }

  /** Releases, and so announces, the departures the directory could not take while away. */
  private async announcePostponed({ membership }: NodeServices): Promise<void> {
    const waiting = this.postponed;
    this.postponed = [];
    for (let i = 0; i < waiting.length; i++) {
      try {
        const departure = waiting[i]!;
        await membership.retryDeparture(departure, this.lostDepartures.has(departure));
      } catch (err) {
        this.postponed.push(...waiting.slice(i));
        throw err;
      }
    }
  }
}
