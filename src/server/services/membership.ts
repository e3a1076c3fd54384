import type { Bus } from '../../backends/bus.js';
import type { Directory, MoveResult, RenameResult } from '../../backends/directory.js';
import { BackendUnavailableError, OutcomeUnknownError } from '../../backends/errors.js';
import { Cmd } from '../../protocol/codes.js';
import { encode } from '../../protocol/encode.js';
import { nameKey } from '../../protocol/names.js';
import type { Logger } from '../logger.js';
import type { CloseReason, JoinTerms, Phase, Session } from '../session.js';
import type { Announcer } from './announcer.js';
import type { JoinInfo, LocalMembers } from './local-members.js';
import type { LocalRooms } from './local-rooms.js';
import { Releases, population, type Departure } from './releases.js';
import { RoomWatches } from './room-watches.js';

export type { JoinInfo } from './local-members.js';

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
  /** Whether the node may admit members now (see NodeAgent.serving); always, if absent. */
  readonly serving?: () => boolean;
}

const CLOSED = { ok: false, reason: 'closed' } as const;

/**
 * A member whose own `8` never came back joins on the directory's word (the fallback): the
 * room's messages around it were lost on the way here too, and it is told so, extent unknown
 * (rule 9.13).
 */
function missed(session: Session, room: string): void {
  session.writer.send(Buffer.from(encode({ cmd: Cmd.MESSAGES_MISSED, room })));
}

/**
 * Who is in which room on this node, and every change of it: joining, moving, renaming,
 * leaving (docs/DEVELOPING.md, "Membership"). It is the only caller of the session's state
 * changes besides the connection's close.
 *
 * The directory announces every change in the same step as the change, so a room's
 * announcements follow the directory's order on every node (rule 9.4). A member's place in that
 * order begins where its own NEW_USER_ENTERS `8` is, and ends where its own EXIT_BROADCAST `30`
 * is: so the member is added to, or removed from, the local room when that announcement comes
 * back through the bus (deliveries.ts), not when the directory answers, and its answer (`03`,
 * `120`, `130`) goes out right there, before anything the room says after it.
 */
export class Membership {
  /** The bus watches each session holds. */
  private readonly watches: RoomWatches;
  /** Releases from the directory. */
  private readonly releases: Releases;

  constructor(private readonly deps: MembershipDeps) {
    this.watches = new RoomWatches(deps.bus);
    this.releases = new Releases(deps, this.watches);
  }

  /**
   * CONNECT (rule 4.1): claims a nickname and a place in a room for a new session, and makes it
   * a member where its `8` stands in the room's order; `welcome` is called right there, to queue
   * the `03` as the joiner's first message. Resolves once the join took effect, was refused, or
   * its session closed meanwhile; rejects, with everything undone, when the directory or the bus
   * cannot be reached.
   */
  async join(
    session: Session,
    wanted: { readonly nickname: string; readonly room: string },
    terms: JoinTerms,
    welcome: (joined: JoinInfo) => void,
  ): Promise<JoinOutcome> {
    const { directory, members, rooms, maxUsers, nodeId, logger } = this.deps;
    const { nickname, room } = wanted;
    const { id, endpoints } = session;
    const roomKey = nameKey(room);
    // A node whose lease ran out would disconnect the joiner as soon as it was announced.
    if (this.deps.serving?.() === false) {
      throw new BackendUnavailableError('this node is not in contact with the cluster');
    }
    session.beginJoin();
    try {
      // Receive the room's messages before joining it, so none published after the join is
      // missed (in a cluster the subscription takes a round trip).
      await this.watches.watch(id, roomKey);
    } catch (err) {
      session.cancelJoin();
      throw err;
    }
    if (session.closing) {
      // Gone while the subscription was made: nothing to claim, nobody to tell.
      this.watches.unwatch(id);
      return CLOSED;
    }
    // Expected before the claim: in a cluster the `8` may come back before the answer.
    let admitted = false;
    const joined = members.expectJoin(roomKey, id, (info, lost) => {
      if (!info || !session.admit(nickname, info.room, roomKey, terms)) return;
      admitted = true;
      welcome(info);
      if (lost) missed(session, info.room);
      members.add(session);
      rooms.add(session.writer, roomKey, info.room, session.extended, session.historyCap);
    });
    let claim;
    try {
      const { remoteAddress: ip, remotePort: port } = endpoints;
      const member = { id, nickname, room, ip, port, node: nodeId };
      claim = await directory.claim(member, maxUsers, true);
    } catch (err) {
      members.cancelJoin(id);
      session.cancelJoin();
      this.watches.unwatch(id);
      // The claim may have been made: undo it (announced, if it was), so no ghost holds the
      // nickname or the seat. Then, to the client, it was not made (rule 9.14).
      if (err instanceof OutcomeUnknownError) {
        this.releases.abandon({ id, nickname, room });
        throw new BackendUnavailableError(err.message);
      }
      throw err;
    }
    if (!claim.ok) {
      members.cancelJoin(id);
      this.watches.unwatch(id);
      if (session.closing) return CLOSED;
      session.cancelJoin();
      return claim;
    }
    members.claimed(id, { room: claim.room, userCount: claim.userCount });
    await joined;
    if (!admitted) {
      // Announced, but gone before its membership began: the room is told it left.
      this.releases.abandon({ id, nickname, room: claim.room });
      return CLOSED;
    }
    logger.info(`${nickname} joined ${claim.room}. ${population(claim.userCount, claim.room)}`);
    return { ok: true, room: claim.room, userCount: claim.userCount };
  }

  /**
   * Moves a member to another room (JOIN, LEAVE; rule 7.3): the old room gets `30`, the new room
   * `8`, and the member leaves and enters the local rooms where those stand in each room's
   * order; `answer` is called where it enters, to queue its answer before the new room's
   * traffic. Resolves once it has (or the move was refused, or the session closed).
   */
  async move(
    session: Session,
    room: string,
    answer: (moved: JoinInfo) => void,
  ): Promise<MoveOutcome> {
    const { directory, members, rooms, maxUsers, logger } = this.deps;
    const { id } = session;
    const fromKey = session.roomKey;
    const targetKey = nameKey(room);
    await this.watches.watch(id, targetKey);
    // Expected before the move: in a cluster the `30` and `8` may come back before the answer.
    // The old room is watched until the member's own `30` in it is back (or given up on).
    members.expectLeave(id, fromKey, () => this.watches.unwatch(id, fromKey));
    let arrived = false;
    const joined = members.expectJoin(targetKey, id, (info, lost) => {
      if (!info || session.closing) return;
      arrived = true;
      // Its own `30` never came back (the subscription lost it): it leaves the old room now.
      if (members.left(id, fromKey)) rooms.remove(session.writer);
      session.moved(info.room, targetKey);
      answer(info);
      if (lost) missed(session, info.room);
      rooms.add(session.writer, targetKey, info.room, session.extended, session.historyCap);
    });
    let result;
    try {
      result = await directory.move(id, room, maxUsers);
    } catch (err) {
      members.cancelJoin(id);
      members.cancelLeave(id);
      this.watches.unwatch(id, targetKey);
      throw err;
    }
    if (!result.ok) {
      members.cancelJoin(id);
      members.cancelLeave(id);
      if (targetKey !== fromKey) this.watches.unwatch(id, targetKey);
      return result;
    }
    const { from, to } = result;
    members.claimed(id, { room: to.room, userCount: to.userCount });
    await joined;
    if (arrived) logger.info(`${session.nickname} moved from ${from.room} to ${to.room}.`);
    return { ok: true, room: to.room, userCount: to.userCount };
  }

  /**
   * RENAME (rule 4.10): changes the member's nickname in the directory, which tells the others
   * in its room with RENAME_BROADCAST `52` in the same step.
   */
  async rename(session: Session, newNickname: string): Promise<RenameOutcome> {
    const result = await this.deps.directory.rename(session.id, newNickname);
    if (!result.ok) return result;
    const { oldNickname } = result;
    session.renamed(newNickname);
    this.deps.logger.info(`${oldNickname} is now known as ${newNickname}.`);
    return { ok: true, oldNickname };
  }

  /**
   * Takes a closing session out of its room at once (a member being disconnected is not sent
   * the room's later messages), then releases it from the directory, which tells the room with
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
   * Releases a member whose release the directory could not take at the time; rejects while it
   * still cannot (see Releases.retry).
   */
  retryDeparture(departure: Departure, lost: boolean): Promise<void> {
    return this.releases.retry(departure, lost);
  }

  /** How many members and rooms with members this node has (for metrics). */
  localCounts(): { members: number; rooms: number } {
    return { members: this.deps.members.size, rooms: this.deps.rooms.size };
  }

  /** This node's members, for the cluster to restore after its directory lost them. */
  localMembers(): Session[] {
    return [...this.deps.members.all()].filter((s) => s.phase === 'member');
  }

  /**
   * The ids this node still answers for in the directory: its members, the joins under way and
   * the releases in flight. Any other id the directory lists for the node is a ghost (a claim
   * whose answer was lost), which the cluster releases (rule 9.14).
   */
  heldIds(): Set<string> {
    return new Set([...this.deps.members.ids(), ...this.releases.releasing]);
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
}
