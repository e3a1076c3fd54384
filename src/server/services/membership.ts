import type { Bus, Delivery, RoomDelivery } from '../../backends/bus.js';
import type { Directory } from '../../backends/directory.js';
import { Cmd } from '../../protocol/codes.js';
import { encode } from '../../protocol/encode.js';
import { nameKey } from '../../protocol/names.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { CloseReason, JoinTerms, Phase, Session } from '../session.js';
import type { Announcer } from './announcer.js';
import type { LocalRooms } from './local-rooms.js';
import { Releases, population, type Departure } from './releases.js';
import { RoomWatches } from './room-watches.js';

/** A join waiting for its own announcement to come back through the bus. */
interface PendingJoin {
  readonly roomKey: string;
  /** The announcement is back (or will not come): the join takes effect. */
  done(): void;
  /** The announcement could not be sent: the join never takes effect. */
  cancel(): void;
}

/** The outcome of a room move (JOIN, LEAVE; rule 7.3). */
export type MoveOutcome =
  | { readonly ok: true; readonly room: string; readonly userCount: number }
  | { readonly ok: false; readonly reason: 'room-full' | 'same-room' | 'not-found' };

/** What membership works with. */
export interface MembershipDeps {
  readonly bus: Bus;
  readonly directory: Directory;
  readonly announcer: Announcer;
  readonly rooms: LocalRooms;
  /** Told when a member joins a room in this turn (join storms batch their flushes). */
  readonly scheduler: { joined(): void };
  readonly logger: Logger;
  readonly clock: Clock;
  /** Members per room. */
  readonly maxUsers: number;
  /** A departure the directory could not take now (a cluster whose Redis is away). */
  readonly unreleased: (departure: Departure) => void;
}

/**
 * If a join's announcement has not come back by then (the node's subscription dropped and lost
 * it), the member joins anyway.
 */
const JOIN_FALLBACK_MS = 3000;

/**
 * Who is in which room on this node, and every change of it: joining, moving, leaving
 * (docs/DEVELOPING.md, "Membership").
 *
 * The order of a room's messages is decided where the bus orders them (rule 9.4). A member's
 * place in that order begins where its own NEW_USER_ENTERS `8` is, and ends where its own
 * EXIT_BROADCAST `30` is: so the member is added to, or removed from, the local room when that
 * announcement comes back through the bus, not when the directory answers. With the in-memory
 * bus it comes back at once; in a cluster, after a round trip through Redis, and every message
 * published before it still reaches (or still does not reach) the member.
 */
export class Membership {
  /** This node's members, by id: the recipients of deliveries that name one. */
  private readonly members = new Map<string, Session>();
  private readonly pendingJoins = new Map<string, PendingJoin>();
  /** Member id -> the room key it is leaving, until its `30` comes back. */
  private readonly pendingLeaves = new Map<string, string>();
  /** The bus watches each session holds. */
  readonly watches: RoomWatches;
  /** Releases from the directory, and the departures they announce. */
  private readonly releases: Releases;

  constructor(private readonly deps: MembershipDeps) {
    this.watches = new RoomWatches(deps.bus);
    this.releases = new Releases(deps, this.watches);
  }

  /**
   * Makes a claimed session a member (rule 4.1): the room's members get NEW_USER_ENTERS, and
   * the joiner becomes a local member where that announcement stands in the room's order.
   * Resolves once it has (or the session closed meanwhile); the caller then answers `03`.
   */
  async enter(
    session: Session,
    claim: { readonly nickname: string; readonly room: string; readonly userCount: number },
    terms: JoinTerms,
  ): Promise<void> {
    const { nickname, room, userCount } = claim;
    const roomKey = nameKey(room);
    const joined = this.expectJoin(roomKey, session.id, () => {
      if (!session.admit(nickname, room, roomKey, terms)) return;
      this.members.set(session.id, session);
      this.deps.rooms.add(session.writer, roomKey);
    });
    const message = { cmd: Cmd.NEW_USER_ENTERS, nickname, userCount } as const;
    try {
      this.deps.announcer.announce(roomKey, message, session.id, { joins: session.id });
    } catch (err) {
      this.pendingJoins.get(session.id)?.cancel();
      throw err;
    }
    await joined;
    this.deps.logger.info(`${nickname} joined ${room}. ${population(userCount, room)}`);
  }

  /**
   * Moves a member to another room (JOIN, LEAVE; rule 7.3): the old room gets `30`, the new room
   * `8`, and the member leaves and enters the local rooms where those stand in each room's
   * order. Resolves once it has; the caller then answers.
   */
  async move(session: Session, room: string): Promise<MoveOutcome> {
    const { directory, announcer } = this.deps;
    const targetKey = nameKey(room);
    await this.watches.watch(session.id, targetKey);
    let result;
    try {
      result = await directory.move(session.id, room, this.deps.maxUsers);
    } catch (err) {
      this.watches.unwatch(session.id, targetKey);
      throw err;
    }
    if (!result.ok) {
      if (targetKey !== session.roomKey) this.watches.unwatch(session.id, targetKey);
      return result;
    }
    const { from, to } = result;
    const nickname = session.nickname;
    const fromKey = nameKey(from.room);
    const toKey = nameKey(to.room);
    // A member that started closing meanwhile is out of the local rooms already; the room
    // changes are still announced, and its release, which follows, leaves the new room.
    const moving = !session.closing;
    if (moving) this.pendingLeaves.set(session.id, fromKey);
    const exit = { cmd: Cmd.EXIT_BROADCAST, nickname, userCount: from.userCount } as const;
    announcer.announce(fromKey, exit, undefined, { leaves: session.id });
    const joined = moving
      ? this.expectJoin(toKey, session.id, () => {
          if (session.closing) return;
          session.moved(to.room, toKey);
          this.deps.rooms.add(session.writer, toKey);
        })
      : Promise.resolve();
    const enter = { cmd: Cmd.NEW_USER_ENTERS, nickname, userCount: to.userCount } as const;
    announcer.announce(toKey, enter, session.id, { joins: session.id });
    this.watches.unwatch(session.id, fromKey);
    await joined;
    this.deps.logger.info(`${nickname} moved from ${from.room} to ${to.room}.`);
    return { ok: true, room: to.room, userCount: to.userCount };
  }

  /**
   * Takes a closing session out of its room at once (a member being disconnected is not sent
   * the room's later messages), then releases it from the directory and tells the room with
   * EXIT_BROADCAST `30` (rule 3.7).
   * @param was the phase the session was in before it started closing
   * @returns the release, when the session was a member
   */
  leave(session: Session, was: Phase, reason: CloseReason): Promise<unknown> | undefined {
    this.pendingJoins.get(session.id)?.done(); // a join under way does not take effect
    if (was !== 'member') {
      if (reason.kind === 'error') {
        this.deps.logger.debug(`${session.label} disconnected before joining: ${reason.error}`);
      }
      return undefined;
    }
    this.members.delete(session.id);
    this.deps.rooms.remove(session.writer);
    this.pendingLeaves.delete(session.id);
    return this.releases.release(session, reason);
  }

  /**
   * Lets go of a claim whose session will not be a member after all: it closed while joining,
   * or its announcement could not be sent. If it had been announced, the room is told that it
   * left.
   */
  abandon(session: Session, nickname: string, room: string, announced: boolean): void {
    this.releases.abandon({ id: session.id, nickname, room, announce: announced });
  }

  /**
   * Tells a room that a member left, and drops the member's watches. With `announce` false the
   * member had never been announced (a join undone), so nobody is told.
   */
  departed(departure: Departure, userCount: number): void {
    this.releases.departed(departure, userCount);
  }

  /** The bus receiver: hands a delivery to this node's recipients. */
  readonly deliver = (delivery: Delivery): void => {
    if (delivery.kind === 'room') return this.deliverRoom(delivery);
    const session = this.members.get(delivery.to);
    if (!session || session.phase !== 'member') return;
    const cmd = session.whisperCap ? Cmd.WHISPER_MESSAGE : Cmd.CHAT_RESPONSE;
    session.writer.send(Buffer.from(encode({ cmd, from: delivery.from, msg: delivery.msg })));
  };

  /** This node's members, for the cluster to restore after its directory lost them. */
  localMembers(): Session[] {
    return [...this.members.values()].filter((s) => s.phase === 'member');
  }

  /** The server is shutting down: departures are no longer logged one by one. */
  quiet(): void {
    this.releases.quiet = true;
  }

  /**
   * The server is shutting down: every member leaves its local room at once, so members are
   * not sent each other's departures.
   */
  detachAll(): void {
    for (const session of this.members.values()) this.deps.rooms.remove(session.writer);
  }

  /** Resolves once every release in flight has settled (a shutdown waits for them). */
  settled(): Promise<unknown> {
    return this.releases.settled();
  }

  /**
   * A room delivery from the bus: the frame joins the room's log for this turn, in O(1)
   * whatever the room's size, and the memberships it marks change here, in the room's order.
   */
  private deliverRoom(delivery: RoomDelivery): void {
    const { rooms } = this.deps;
    if (delivery.joins !== undefined) this.deps.scheduler.joined();
    let skip: Session | undefined;
    if (delivery.leaves !== undefined) {
      const session = this.members.get(delivery.leaves);
      if (session && session.roomKey === delivery.room && session.phase === 'member') {
        if (this.pendingLeaves.get(session.id) === delivery.room) {
          // Its own `30`: the mover has had every message before it.
          this.pendingLeaves.delete(session.id);
          rooms.remove(session.writer);
        } else {
          // A `30` about a member still here: other nodes took this node for dead. Not for it.
          skip = session;
        }
      }
    }
    const room = rooms.get(delivery.room);
    if (room) {
      const index = rooms.publish(room, delivery.frame);
      if (delivery.except !== undefined) {
        this.members.get(delivery.except)?.writer.outbox.exclude(room.log, index);
      }
      if (skip) skip.writer.outbox.exclude(room.log, index);
    }
    if (delivery.joins !== undefined) {
      const pending = this.pendingJoins.get(delivery.joins);
      if (pending && pending.roomKey === delivery.room) pending.done();
    }
  }

  /**
   * Resolves when the session's own `8` for `roomKey` comes back, after `join` has made it a
   * member there (unless it closed meanwhile, which also settles the wait).
   */
  private expectJoin(roomKey: string, id: string, join: () => void): Promise<void> {
    return new Promise((resolve) => {
      const { clock } = this.deps;
      const done = () => {
        clock.clearTimeout(fallback);
        if (this.pendingJoins.get(id) !== pending) return;
        this.pendingJoins.delete(id);
        join();
        resolve();
      };
      const cancel = () => {
        clock.clearTimeout(fallback);
        if (this.pendingJoins.get(id) === pending) this.pendingJoins.delete(id);
      };
      const pending: PendingJoin = { roomKey, done, cancel };
      const fallback = clock.setTimeout(done, JOIN_FALLBACK_MS);
      this.pendingJoins.set(id, pending);
    });
  }
}
