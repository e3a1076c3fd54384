import { Cmd } from '../protocol/codes.js';
import { nameKey } from '../protocol/names.js';
import { BackendUnavailableError, type NodeState } from './backends/directory.js';
import type { ChatServer } from './chat-server.js';

/** A member that left; its room is told once the directory has let it go. */
export interface Departure {
  readonly id: string;
  readonly nickname: string;
  readonly room: string;
  /** False for a member that was never announced (a join undone): nobody is told. */
  readonly announce?: boolean;
}

/** How often a node renews its heartbeat and looks for dead nodes. */
export const HEARTBEAT_MS = 1000;
/** How long a heartbeat keeps a node alive: a node silent this long is dead (rule 9.6). */
export const HEARTBEAT_TTL_MS = 3000;

/**
 * This node's part in a cluster, over any shared {@link Directory} (docs/protocol.md, section 9):
 * it keeps the node alive with heartbeats, removes the members of nodes that died (announcing
 * each departure once), puts its own members back when the directory lost them, and announces
 * departures that happened while the directory could not be reached. Transport-neutral: it only
 * calls the directory and the server.
 */
export class Liveness {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private reachable = true;
  private postponed: Departure[] = [];

  constructor(private readonly server: ChatServer) {}

  /** Registers the node (the first heartbeat), then keeps it alive. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), HEARTBEAT_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A departure the directory could not take now: it is retried on the next heartbeat. */
  postpone(departure: Departure): void {
    this.postponed.push(departure);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const { directory, logger, nodeId } = this.server;
    try {
      const state = await directory.heartbeat(nodeId, HEARTBEAT_TTL_MS);
      if (!this.reachable) logger.warn('the cluster directory is reachable again');
      this.reachable = true;
      if (state !== 'known') await this.restore(state);
      await this.announcePostponed();
      for (const node of await directory.deadNodes()) {
        if (node === nodeId) continue;
        const released = await directory.reap(node);
        if (released.length > 0) {
          logger.info(`node ${node} stopped answering: ${released.length} of its members removed`);
        }
        for (const { id, nickname, room, userCount } of released) {
          // Marked as the member's leaving: if its node is alive after all, it is not told.
          const message = { cmd: Cmd.EXIT_BROADCAST, nickname, userCount };
          this.server.announce(nameKey(room), message, undefined, { leaves: id });
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
   * The directory no longer knows this node: its data was lost (a Redis restart: `fresh`), or
   * the other nodes took the node for dead and removed its members (`reaped`). Put the members
   * back; after a reaping they were announced as gone, so they are announced as joining again.
   * A member whose nickname someone else took meanwhile cannot come back and is disconnected.
   */
  private async restore(state: Exclude<NodeState, 'known'>): Promise<void> {
    const { directory, logger, nodeId } = this.server;
    const members = this.server.membership.localMembers();
    if (members.length === 0) return;
    logger.warn(
      `the cluster directory had lost this node (${state}): restoring ${members.length} members`,
    );
    for (const conn of members) {
      const { remoteAddress: ip, remotePort: port } = conn.endpoints;
      const result = await directory.claim(
        { id: conn.id, nickname: conn.nickname, room: conn.room, ip, port, node: nodeId },
        Infinity,
      );
      if (!result.ok) {
        conn.close({ kind: 'error', error: 'NICKNAME_LOST' });
        continue;
      }
      if (state === 'reaped') {
        this.server.announce(
          conn.roomKey,
          { cmd: Cmd.NEW_USER_ENTERS, nickname: conn.nickname, userCount: result.userCount },
          conn.id,
        );
      }
    }
  }

  /** Announces the departures that could not be announced while the directory was away. */
  private async announcePostponed(): Promise<void> {
    const { directory } = this.server;
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
        this.server.membership.departed(departure, userCount);
      } catch (err) {
        this.postponed.push(...waiting.slice(i));
        throw err;
      }
    }
  }
}
