import type { Clock } from '../clock.js';
import type { Session } from '../session.js';

/** A join waiting for its own announcement to come back through the bus. */
interface PendingJoin {
  readonly roomKey: string;
  /** The announcement is back (or will not come): the join takes effect. */
  done(): void;
  /** The announcement could not be sent: the join never takes effect. */
  cancel(): void;
}

/**
 * If a join's announcement has not come back by then (the node's subscription dropped and lost
 * it), the member joins anyway.
 */
const JOIN_FALLBACK_MS = 3000;

/**
 * This node's members, and the changes of theirs still under way: the state that the changes
 * (membership.ts) and the bus's deliveries (deliveries.ts) share, so that each membership
 * takes effect where its own announcement stands in the room's order.
 */
export class LocalMembers {
  /** Members by id: the recipients of deliveries that name one. */
  private readonly byId = new Map<string, Session>();
  private readonly joins = new Map<string, PendingJoin>();
  /** Member id -> the room key it is leaving, until its own `30` comes back. */
  private readonly leaves = new Map<string, string>();

  constructor(private readonly clock: Clock) {}

  get(id: string): Session | undefined {
    return this.byId.get(id);
  }

  add(session: Session): void {
    this.byId.set(session.id, session);
  }

  /** Forgets a member that is leaving, and any change of its still under way. */
  remove(id: string): void {
    this.byId.delete(id);
    this.leaves.delete(id);
  }

  /** Every member. */
  all(): IterableIterator<Session> {
    return this.byId.values();
  }

  /**
   * Resolves when the member's own `8` for `roomKey` comes back (see {@link joined}), after
   * `join` has made it a member there; or after JOIN_FALLBACK_MS if it never does.
   */
  expectJoin(roomKey: string, id: string, join: () => void): Promise<void> {
    return new Promise((resolve) => {
      const { clock } = this;
      const done = () => {
        clock.clearTimeout(fallback);
        if (this.joins.get(id) !== pending) return;
        this.joins.delete(id);
        join();
        resolve();
      };
      const cancel = () => {
        clock.clearTimeout(fallback);
        if (this.joins.get(id) === pending) this.joins.delete(id);
      };
      const pending: PendingJoin = { roomKey, done, cancel };
      const fallback = clock.setTimeout(done, JOIN_FALLBACK_MS);
      this.joins.set(id, pending);
    });
  }

  /** A join announcement marked for `id` came back in `roomKey`: its join takes effect. */
  joined(id: string, roomKey: string): void {
    const pending = this.joins.get(id);
    if (pending && pending.roomKey === roomKey) pending.done();
  }

  /** The join of `id` under way ends now, without waiting (its session is closing). */
  settleJoin(id: string): void {
    this.joins.get(id)?.done();
  }

  /** The join of `id` under way never takes effect (its announcement could not be sent). */
  cancelJoin(id: string): void {
    this.joins.get(id)?.cancel();
  }

  /** The member `id` is leaving `roomKey`: it stays there until its own `30` comes back. */
  expectLeave(id: string, roomKey: string): void {
    this.leaves.set(id, roomKey);
  }

  /** True once, when `roomKey` is the room the member `id` is leaving: its `30` is back. */
  left(id: string, roomKey: string): boolean {
    if (this.leaves.get(id) !== roomKey) return false;
    this.leaves.delete(id);
    return true;
  }

  /** The leave of `id` under way will not be announced. */
  cancelLeave(id: string): void {
    this.leaves.delete(id);
  }
}
