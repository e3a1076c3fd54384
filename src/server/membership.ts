import { Cmd } from '../protocol/codes.js';
import type { RequestId } from '../protocol/messages.js';
import { nameKey } from '../protocol/names.js';
import type { RoomDelivery } from './backends/bus.js';
import { BackendUnavailableError } from './backends/directory.js';
import type { ChatServer } from './chat-server.js';
import type { CloseReason, Connection } from './connection.js';
import type { Departure } from './liveness.js';
import { LocalRooms } from './rooms.js';

/** Response codes for the outcomes of a room move (JOIN or LEAVE). */
export interface MoveCodes {
  readonly ok: string;
  readonly full: string;
  readonly same: string;
}

/** A join waiting for its own announcement to come back through the bus. */
interface PendingJoin {
  readonly roomKey: string;
  readonly room: string;
  done(): void;
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
  readonly rooms: LocalRooms;
  private readonly pendingJoins = new Map<string, PendingJoin>();
  /** Member id -> the room key it is leaving, until its `30` comes back. */
  private readonly pendingLeaves = new Map<string, string>();
  /** Member id -> room keys it holds a bus watch on. */
  private readonly watches = new Map<string, Set<string>>();

  constructor(private readonly server: ChatServer) {
    this.rooms = new LocalRooms((room) => server.scheduleRoom(room));
  }

  /** Watches a room on the bus on behalf of a connection, before it joins the room. */
  async watch(conn: Connection, roomKey: string): Promise<void> {
    let held = this.watches.get(conn.id);
    if (held?.has(roomKey)) return;
    await this.server.bus.watch(roomKey);
    held ??= this.watches.get(conn.id) ?? new Set();
    this.watches.set(conn.id, held);
    held.add(roomKey);
  }

  /** Drops a connection's watch on one room (or on every room it holds). */
  unwatch(connId: string, roomKey?: string): void {
    const held = this.watches.get(connId);
    if (!held) return;
    for (const key of roomKey === undefined ? [...held] : [roomKey]) {
      if (held.delete(key)) this.server.bus.unwatch(key);
    }
    if (held.size === 0) this.watches.delete(connId);
  }

  /**
   * Makes a claimed connection a member (rule 4.1): the room's members get NEW_USER_ENTERS, and
   * the joiner becomes a local member where that announcement stands in the room's order.
   * Resolves once it has; the caller then sends CONNECT_SUCCESS.
   */
  async enter(conn: Connection, nickname: string, room: string, userCount: number): Promise<void> {
    const roomKey = nameKey(room);
    conn.nickname = nickname;
    const joined = this.expectJoin(conn, roomKey, room);
    this.server.announce(roomKey, { cmd: Cmd.NEW_USER_ENTERS, nickname, userCount }, conn.id, {
      joins: conn.id,
    });
    await joined;
    this.server.logger.info(`${nickname} joined ${room}. ${population(userCount, room)}`);
  }

  /**
   * Moves a member to another room (JOIN, LEAVE; rule 7.3): the old room gets `30`, the new room
   * `8`, and the member leaves and enters the local rooms where those stand in each room's
   * order; then it is answered `codes.ok`.
   */
  async move(
    conn: Connection,
    room: string,
    req: { id?: RequestId },
    codes: MoveCodes,
  ): Promise<void> {
    const targetKey = nameKey(room);
    await this.watch(conn, targetKey);
    let result;
    try {
      result = await this.server.directory.move(conn.id, room, this.server.config.maxUsers);
    } catch (err) {
      this.unwatch(conn.id, targetKey);
      throw err;
    }
    if (!result.ok) {
      if (targetKey !== conn.roomKey) this.unwatch(conn.id, targetKey);
      if (result.reason === 'room-full') conn.reply({ cmd: codes.full }, req.id);
      else if (result.reason === 'same-room') conn.reply({ cmd: codes.same }, req.id);
      return;
    }
    const { from, to } = result;
    const nickname = conn.nickname;
    const fromKey = nameKey(from.room);
    const toKey = nameKey(to.room);
    // A member that started closing meanwhile is out of the local rooms already; the room
    // changes are still announced, and its release, which follows, leaves the new room.
    const moving = !conn.closing;
    if (moving) this.pendingLeaves.set(conn.id, fromKey);
    this.server.announce(
      fromKey,
      { cmd: Cmd.EXIT_BROADCAST, nickname, userCount: from.userCount },
      undefined,
      {
        leaves: conn.id,
      },
    );
    const joined = moving ? this.expectJoin(conn, toKey, to.room) : Promise.resolve();
    this.server.announce(
      toKey,
      { cmd: Cmd.NEW_USER_ENTERS, nickname, userCount: to.userCount },
      conn.id,
      {
        joins: conn.id,
      },
    );
    this.unwatch(conn.id, fromKey);
    await joined;
    conn.reply({ cmd: codes.ok, room: to.room, userCount: to.userCount }, req.id);
    this.server.logger.info(`${nickname} moved from ${from.room} to ${to.room}.`);
  }

  /**
   * Takes a closing connection out of its room at once (a member being disconnected is not
   * sent the room's later messages), then releases it from the directory and tells the room
   * with EXIT_BROADCAST `30` (rule 3.7).
   */
  leave(conn: Connection, reason: CloseReason): Promise<unknown> | undefined {
    this.abandonJoin(conn);
    if (conn.phase !== 'member') {
      if (reason.kind === 'error') {
        this.server.logger.debug(`${conn.label} disconnected before joining: ${reason.error}`);
      }
      return undefined;
    }
    this.rooms.remove(conn);
    this.pendingLeaves.delete(conn.id);
    const label = conn.label;
    const departure: Departure = { id: conn.id, nickname: conn.nickname, room: conn.room };
    const releasing = this.server.directory.release(conn.id).then(
      (released) => {
        // The directory's record is the truth: a rename or move may have landed meanwhile.
        if (!released) return this.unwatch(conn.id);
        const { nickname, room, userCount } = released;
        this.departed({ ...departure, nickname, room }, userCount);
        if (this.server.stopping) return;
        const count = population(userCount, room);
        const logger = this.server.logger;
        if (reason.kind === 'exit') logger.info(`${nickname} left ${room}. ${count}`);
        else if (reason.kind === 'lost') {
          const detail = reason.detail ? ` (${reason.detail})` : '';
          logger.info(`The connection to ${label} has been lost${detail}. ${count}`);
        } else if (reason.kind === 'error') {
          logger.info(`${label} was disconnected: ${reason.error}. ${count}`);
        }
      },
      (err: unknown) => {
        if (!(err instanceof BackendUnavailableError)) {
          this.server.logger.error(`could not release ${label}: ${String(err)}`);
        }
        // The cluster's directory is unreachable: the departure is announced when it is back.
        this.server.postpone(departure);
      },
    );
    this.server.track(releasing);
    return releasing;
  }

  /**
   * Lets go of a claim whose connection will not be a member after all: it closed while
   * joining, or its announcement could not be sent. If it had been announced, the room is told
   * that it left.
   */
  abandon(conn: Connection, nickname: string, room: string, announced: boolean): void {
    const departure: Departure = { id: conn.id, nickname, room, announce: announced };
    this.server.track(
      this.server.directory.release(conn.id).then(
        (released) =>
          released
            ? this.departed(
                { ...departure, nickname: released.nickname, room: released.room },
                released.userCount,
              )
            : this.unwatch(conn.id),
        () => this.server.postpone(departure),
      ),
    );
  }

  /**
   * Tells a room that a member left, and drops the member's watches. With `announce` false the
   * member had never been announced (a join undone), so nobody is told.
   */
  departed(departure: Departure, userCount: number): void {
    if (departure.announce !== false) {
      try {
        this.server.announce(
          nameKey(departure.room),
          { cmd: Cmd.EXIT_BROADCAST, nickname: departure.nickname, userCount },
          undefined,
          { leaves: departure.id },
        );
      } catch (err) {
        if (!(err instanceof BackendUnavailableError)) throw err;
        this.server.postpone(departure);
        return;
      }
    }
    this.unwatch(departure.id);
  }

  /**
   * A room delivery from the bus: the frame joins the room's log for this turn, in O(1)
   * whatever the room's size, and the memberships it marks change here, in the room's order.
   */
  deliverRoom(delivery: RoomDelivery): void {
    let skip: Connection | undefined;
    if (delivery.leaves !== undefined) {
      const conn = this.server.connection(delivery.leaves);
      if (conn && conn.roomKey === delivery.room && conn.phase === 'member' && !conn.closing) {
        if (this.pendingLeaves.get(conn.id) === delivery.room) {
          // Its own `30`: the mover has had every message before it.
          this.pendingLeaves.delete(conn.id);
          this.rooms.remove(conn);
        } else {
          // A `30` about a member still here: other nodes took this node for dead. Not for it.
          skip = conn;
        }
      }
    }
    const room = this.rooms.get(delivery.room);
    if (room) {
      const index = this.rooms.publish(room, delivery.frame);
      if (delivery.except !== undefined) {
        this.server.connection(delivery.except)?.outbox.exclude(room, index);
      }
      if (skip) skip.outbox.exclude(room, index);
    }
    if (delivery.joins !== undefined) {
      const pending = this.pendingJoins.get(delivery.joins);
      if (pending && pending.roomKey === delivery.room) pending.done();
    }
  }

  /** This node's members, for the cluster to restore after its directory lost them. */
  localMembers(): Connection[] {
    return this.server.connectionList().filter((c) => c.phase === 'member' && !c.closing);
  }

  /** Resolves when the connection's own `8` for `roomKey` comes back: it is then a member. */
  private expectJoin(conn: Connection, roomKey: string, room: string): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(fallback);
        if (this.pendingJoins.get(conn.id) !== pending) return;
        this.pendingJoins.delete(conn.id);
        if (!conn.closing) {
          conn.phase = 'member';
          conn.room = room;
          conn.roomKey = roomKey;
          this.rooms.add(conn);
        }
        resolve();
      };
      const pending: PendingJoin = { roomKey, room, done };
      const fallback = setTimeout(done, JOIN_FALLBACK_MS);
      this.pendingJoins.set(conn.id, pending);
    });
  }

  /** A connection that closes while its announcement is on the way does not join. */
  private abandonJoin(conn: Connection): void {
    this.pendingJoins.get(conn.id)?.done();
  }
}

/** `There are 3 users in lobby.` */
export function population(count: number, room: string): string {
  return count === 1 ? `There is 1 user in ${room}.` : `There are ${count} users in ${room}.`;
}
