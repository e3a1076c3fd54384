import type { JoinMark } from '../../backends/bus.js';
import type { Clock, Timer } from '../clock.js';
import type { Session } from '../session.js';

/** Where a join took effect: the room's display name and its count with the joiner. */
export type JoinInfo = Pick<JoinMark, 'room' | 'userCount'>;

/** A move's leave waiting for its own `30` to come back through the bus. */
interface PendingLeave {
  readonly roomKey: string;
  /** Called once it is over: the `30` came back, or it was given up. */
  readonly done: () => void;
}

/** A join waiting for its own announcement to come back through the bus. */
interface PendingJoin {
  readonly roomKey: string;
  /** Started once the directory has answered. */
  fallback: Timer | undefined;
  /** The join takes effect on these terms (undefined: it will not, its session is closing). */
  done(info: JoinInfo | undefined, lost?: boolean): void;
  /** Deliveries to the joiner that came before its own `8`, to hand over once it is a member. */
  held: (() => void)[];
}

/** Deliveries held for one joiner at most (whispers are flood-limited anyway). */
const MAX_HELD = 256;

/**
 * If a join's announcement has not come back this long after the directory answered (the
 * node's subscription dropped and lost it), the member joins anyway.
 */
const JOIN_FALLBACK_MS = 3000;

/**
 * This node's members, and the changes of theirs still under way: the state that the changes
 * (membership.ts) and the bus's deliveries (deliveries.ts) share, so that each membership takes
 * effect where its own announcement stands in the room's order.
 */
export class LocalMembers {
  /** Members by id: the recipients of deliveries that name one. */
  private readonly byId = new Map<string, Session>();
  private readonly joins = new Map<string, PendingJoin>();
  /** Member id -> the room it is leaving, until its own `30` comes back. */
  private readonly leaves = new Map<string, PendingLeave>();

  constructor(private readonly clock: Clock) {}

  get(id: string): Session | undefined {
    return this.byId.get(id);
  }

  /** Every member of this node. */
  sessions(): IterableIterator<Session> {
    return this.byId.values();
  }

  add(session: Session): void {
    this.byId.set(session.id, session);
  }

  /** Forgets a member that is leaving, and any change of its still under way. */
  remove(id: string): void {
    this.byId.delete(id);
    this.cancelLeave(id);
  }

  /** How many members this node has. */
  get size(): number {
    return this.byId.size;
  }

  /** Every member. */
  all(): IterableIterator<Session> {
    return this.byId.values();
  }

  /** The ids of the members and of the joins under way. */
  *ids(): IterableIterator<string> {
    yield* this.byId.keys();
    yield* this.joins.keys();
  }

  /**
   * Expects the member `id` to join `roomKey`: resolves once its own `8` came back (see
   * {@link joined}) and `join` made it a member there on the terms the `8` carried; or once it
   * was given up. Made before the change is asked for: in a cluster the `8` may come back before
   * the directory's answer. `lost` says the `8` never came (the fallback): what the room said
   * around it may be lost too.
   */
  expectJoin(
    roomKey: string,
    id: string,
    join: (info: JoinInfo | undefined, lost: boolean) => void,
  ): Promise<void> {
    return new Promise((resolve) => {
      const pending: PendingJoin = {
        roomKey,
        fallback: undefined,
        held: [],
        done: (info, lost) => {
          this.clock.clearTimeout(pending.fallback);
          if (this.joins.get(id) !== pending) return;
          this.joins.delete(id);
          join(info, lost === true);
          for (const deliver of pending.held) deliver();
          resolve();
        },
      };
      this.joins.set(id, pending);
    });
  }

  /**
   * The directory has made the join of `id`: if its own `8` has not come back within
   * JOIN_FALLBACK_MS (the subscription lost it), it takes effect on the directory's terms.
   */
  claimed(id: string, info: JoinInfo): void {
    const pending = this.joins.get(id);
    if (!pending) return;
    pending.fallback = this.clock.setTimeout(() => pending.done(info, true), JOIN_FALLBACK_MS);
  }

  /**
   * Holds a delivery to `id` until its join under way takes effect (a whisper sent to it once
   * the directory listed it, before its own `8` came back here). False if it has none.
   */
  holdForJoin(id: string, deliver: () => void): boolean {
    const pending = this.joins.get(id);
    if (!pending || pending.held.length >= MAX_HELD) return false;
    pending.held.push(deliver);
    return true;
  }

  /** A join announcement marked for a member came back in `roomKey`: its join takes effect. */
  joined(mark: JoinMark, roomKey: string): void {
    const pending = this.joins.get(mark.id);
    if (pending && pending.roomKey === roomKey) pending.done(mark);
  }

  /** The join of `id` under way ends now without taking effect (its session is closing). */
  settleJoin(id: string): void {
    this.joins.get(id)?.done(undefined);
  }

  /** The join of `id` under way never takes effect (the change was not made). */
  cancelJoin(id: string): void {
    const pending = this.joins.get(id);
    if (!pending) return;
    this.clock.clearTimeout(pending.fallback);
    this.joins.delete(id);
  }

  /**
   * The member `id` is leaving `roomKey`: it stays there until its own `30` comes back, or until
   * the move's join takes effect without it (the subscription lost it); `done` is called then.
   */
  expectLeave(id: string, roomKey: string, done: () => void): void {
    this.cancelLeave(id);
    this.leaves.set(id, { roomKey, done });
  }

  /**
   * True once, when `roomKey` is the room the member `id` is leaving: its `30` is back (or the
   * move's join took effect without it), and the leave's `done` has been called.
   */
  left(id: string, roomKey: string): boolean {
    const pending = this.leaves.get(id);
    if (pending?.roomKey !== roomKey) return false;
    this.leaves.delete(id);
    pending.done();
    return true;
  }

  /** The leave of `id` under way will not happen (the move was not made, or it is closing). */
  cancelLeave(id: string): void {
    this.leaves.delete(id);
  }
}
