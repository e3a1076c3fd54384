import type { Bus } from '../../backends/bus.js';
import type { Directory, MoveResult, RenameResult } from '../../backends/directory.js';
import { Cmd } from '../../protocol/codes.js';
import { nameKey } from '../../protocol/names.js';
import type { Logger } from '../logger.js';
import type { CloseReason, JoinTerms, Phase, Session } from '../session.js';
import type { Announcer } from './announcer.js';
import type { LocalMembers } from './local-members.js';
import type { LocalRooms } from './local-rooms.js';
import { Releases, population, type Departure } from './releases.js';
import { RoomWatches } from './room-watches.js';

/** The outcome of a CONNECT's claim (rule 4.1); `closed`: the session ended meanwhile. */
export type JoinOutcome =
  | { readonly ok: true; readonly room: string; readonly userCount: number }
  | { readonly ok: false; readonly reason: 'nickname-taken' | 'room-full' | 'closed' };

/** The outcome of a room move (JOIN, LEAVE; rule 7.3). */
export type MoveOutcome =
  | { readonly ok: true; readonly room: string; readonly userCount: number }
  | Extract<MoveResult, { ok: false }>;

/** The outcome of a RENAME (rule 4.10). */
export type RenameOutcome =
  { readonly ok: true; readonly oldNickname: string } | Extract<RenameResult, { ok: false }>;

/** What membership works with. */
export interface MembershipDeps {
  readonly bus: Bus;
  readonly directory: Directory;
  readonly announcer: Announcer;
  readonly rooms: LocalRooms;
  readonly members: LocalMembers;
  readonly logger: Logger;
  /** This node's id, in the member records it claims. */
  readonly nodeId: string;
  /** Members per room. */
  readonly maxUsers: number;
  /** A departure the directory could not take now (a cluster whose Redis is away). */
  readonly unreleased: (departure: Departure) => void;
}

const CLOSED = { ok: false, reason: 'closed' } as const;

/**
 * Who is in which room on this node, and every change of it: joining, moving, renaming,
 * leaving (docs/DEVELOPING.md, "Membership"). It is the only caller of the session's state
 * changes besides the connection's close.
 *
 * The order of a room's messages is decided where the bus orders them (rule 9.4). A member's
 * place in that order begins where its own NEW_USER_ENTERS `8` is, and ends where its own
 * EXIT_BROADCAST `30` is: so the member is added to, or removed from, the local room when that
 * announcement comes back through the bus (deliveries.ts), not when the directory answers. With
 * the in-memory bus it comes back at once; in a cluster, after a round trip through Redis, and
 * every message published before it still reaches (or still does not reach) the member.
 */
export class Membership {
  /** The bus watches each session holds. */
  private readonly watches: RoomWatches;
  /** Releases from the directory, and the departures they announce. */
  private readonly releases: Releases;

  constructor(private readonly deps: MembershipDeps) {
    this.watches = new RoomWatches(deps.bus);
    this.releases = new Releases(deps, this.watches);
  }

  /**
   * CONNECT (rule 4.1): claims a nickname and a place in a room for a new session, then makes it
   * a member there. Resolves once the join took effect (the caller then answers `03`), was
   * refused, or its session closed meanwhile; rejects, with everything undone, when the
   * directory or the bus cannot be reached.
   */
  async join(
    session: Session,
    wanted: { readonly nickname: string; readonly room: string },
    terms: JoinTerms,
  ): Promise<JoinOutcome> {
    const { directory, maxUsers, nodeId } = this.deps;
    const { nickname, room } = wanted;
    const { id, endpoints } = session;
    session.beginJoin();
    let claim;
    try {
      // Receive the room's messages before joining it, so none published after the join is
      // missed (in a cluster the subscription takes a round trip).
      await this.watches.watch(id, nameKey(room));
      const { remoteAddress: ip, remotePort: port } = endpoints;
      claim = await directory.claim({ id, nickname, room, ip, port, node: nodeId }, maxUsers);
    } catch (err) {
      session.cancelJoin();
      this.watches.unwatch(id);
      throw err;
    }
    if (!claim.ok) {
      this.watches.unwatch(id);
      if (session.closing) return CLOSED;
      session.cancelJoin();
      return claim;
    }
    if (session.closing) {
      // The client left while the claim was in flight: undo it; nobody was told.
      this.abandon(id, nickname, claim.room, false);
      return CLOSED;
    }
    try {
      await this.enter(session, { nickname, room: claim.room, userCount: claim.userCount }, terms);
    } catch (err) {
      // The room could not be told (the cluster's bus just went away): undo the join.
      session.cancelJoin();
      this.abandon(id, nickname, claim.room, false);
      throw err;
    }
    if (session.closing) {
      // Announced, but gone before its membership began: the room is told it left.
      this.abandon(id, nickname, claim.room, true);
      return CLOSED;
    }
    return { ok: true, room: claim.room, userCount: claim.userCount };
  }

  /**
   * Moves a member to another room (JOIN, LEAVE; rule 7.3): the old room gets `30`, the new room
   * `8`, and the member leaves and enters the local rooms where those stand in each room's
   * order. Resolves once it has; the caller then answers.
   */
  async move(session: Session, room: string): Promise<MoveOutcome> {
    const { directory, announcer, members, rooms } = this.deps;
    const { id } = session;
    const targetKey = nameKey(room);
    await this.watches.watch(id, targetKey);
    let result;
    try {
      result = await directory.move(id, room, this.deps.maxUsers);
    } catch (err) {
      this.watches.unwatch(id, targetKey);
      throw err;
    }
    if (!result.ok) {
      if (targetKey !== session.roomKey) this.watches.unwatch(id, targetKey);
      return result;
    }
    const { from, to } = result;
    const nickname = session.nickname;
    const fromKey = nameKey(from.room);
    const toKey = nameKey(to.room);
    // A member that started closing meanwhile is out of the local rooms already; the room
    // changes are still announced, and its release, which follows, leaves the new room.
    const moving = !session.closing;
    let joined: Promise<void> = Promise.resolve();
    if (moving) {
      members.expectLeave(id, fromKey);
      joined = members.expectJoin(toKey, id, () => {
        if (session.closing) return;
        session.moved(to.room, toKey);
        rooms.add(session.writer, toKey);
      });
    }
    try {
      const exit = { cmd: Cmd.EXIT_BROADCAST, nickname, userCount: from.userCount } as const;
      announcer.announce(fromKey, exit, undefined, { leaves: id });
      const enter = { cmd: Cmd.NEW_USER_ENTERS, nickname, userCount: to.userCount } as const;
      announcer.announce(toKey, enter, id, { joins: id });
    } catch (err) {
      // The directory moved the member but the rooms could not be told: here it stays in its
      // old room (rule 9.12).
      members.cancelJoin(id);
      members.cancelLeave(id);
      throw err;
    }
    this.watches.unwatch(id, fromKey);
    await joined;
    this.deps.logger.info(`${nickname} moved from ${from.room} to ${to.room}.`);
    return { ok: true, room: to.room, userCount: to.userCount };
  }

  /**
   * RENAME (rule 4.10): changes the member's nickname in the directory, atomically; the others in
   * its room get RENAME_BROADCAST `52`.
   */
  async rename(session: Session, newNickname: string): Promise<RenameOutcome> {
    const result = await this.deps.directory.rename(session.id, newNickname);
    if (!result.ok) return result;
    const { oldNickname } = result;
    session.renamed(newNickname);
    const message = { cmd: Cmd.RENAME_BROADCAST, nickname: oldNickname, newNickname } as const;
    this.deps.announcer.announce(session.roomKey, message, session.id);
    this.deps.logger.info(`${oldNickname} is now known as ${newNickname}.`);
    return { ok: true, oldNickname };
  }

  /**
   * Takes a closing session out of its room at once (a member being disconnected is not sent
   * the room's later messages), then releases it from the directory and tells the room with
   * EXIT_BROADCAST `30` (rule 3.7).
   * @param was the phase the session was in before it started closing
   * @returns the release, when the session was a member
   */
  leave(session: Session, was: Phase, reason: CloseReason): Promise<unknown> | undefined {
    const { members, rooms, logger } = this.deps;
    members.settleJoin(session.id); // a join under way does not take effect
    if (was !== 'member') {
      if (reason.kind === 'error') {
        logger.debug(`${session.label} disconnected before joining: ${reason.error}`);
      }
      return undefined;
    }
    members.remove(session.id);
    rooms.remove(session.writer);
    return this.releases.release(session, reason);
  }

  /**
   * Tells a room that a member left, and drops the member's watches. With `announce` false the
   * member had never been announced (a join undone), so nobody is told.
   */
  departed(departure: Departure, userCount: number): void {
    this.releases.departed(departure, userCount);
  }

  /** This node's members, for the cluster to restore after its directory lost them. */
  localMembers(): Session[] {
    return [...this.deps.members.all()].filter((s) => s.phase === 'member');
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
    for (const session of this.deps.members.all()) this.deps.rooms.remove(session.writer);
  }

  /** Resolves once every release in flight has settled (a shutdown waits for them). */
  settled(): Promise<unknown> {
    return this.releases.settled();
  }

  /**
   * Makes a claimed session a member: the room's members get NEW_USER_ENTERS, and the joiner
   * becomes a local member where that announcement stands in the room's order.
   */
  private async enter(
    session: Session,
    claim: { readonly nickname: string; readonly room: string; readonly userCount: number },
    terms: JoinTerms,
  ): Promise<void> {
    const { members, rooms, announcer, logger } = this.deps;
    const { nickname, room, userCount } = claim;
    const roomKey = nameKey(room);
    const joined = members.expectJoin(roomKey, session.id, () => {
      if (!session.admit(nickname, room, roomKey, terms)) return;
      members.add(session);
      rooms.add(session.writer, roomKey);
    });
    const message = { cmd: Cmd.NEW_USER_ENTERS, nickname, userCount } as const;
    try {
      announcer.announce(roomKey, message, session.id, { joins: session.id });
    } catch (err) {
      members.cancelJoin(session.id);
      throw err;
    }
    await joined;
    logger.info(`${nickname} joined ${room}. ${population(userCount, room)}`);
  }

  /** Lets go of a claim whose session will not be a member after all. */
  private abandon(id: string, nickname: string, room: string, announced: boolean): void {
    this.releases.abandon({ id, nickname, room, announce: announced });
  }
}
