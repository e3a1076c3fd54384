/**
 * Where a client is in its room's sequence of chats (rule 12.2), so that after a reconnect it
 * can ask for exactly what it missed: the last `seq` it saw, the numbers of its own chats (which
 * it never receives, and must not be shown as if it had), and the live events that arrive while
 * the missed chats are being fetched, held back so that they come after them.
 */
import type { ChatEvent } from './events.js';

/** How many of its own chats' numbers a client remembers. */
const OWN_KEPT = 4096;

/** A client's position in its room's sequence of chats, and the events held during a resume. */
export class RoomCursor {
  /** The room the position is in. */
  private room: string | undefined;
  /** The last `seq` seen in it; undefined when unknown. */
  private last: number | undefined;
  /** The numbers of this client's own chats after `last`, oldest first. */
  private readonly own = new Set<number>();
  /** Live events held back during a resume; undefined when none is under way. */
  private held: ChatEvent[] | undefined;

  /** The client is now in `room`: a new room starts from an unknown position. */
  enter(room: string | undefined): void {
    if (room === this.room) return;
    this.room = room;
    this.last = undefined;
    this.own.clear();
  }

  /** Where to resume `room` from: the last `seq` seen there, or undefined when unknown. */
  resumeFrom(room: string | undefined): number | undefined {
    return room === this.room ? this.last : undefined;
  }

  /** True when the position in `room` is known. */
  knows(room: string | undefined): boolean {
    return this.resumeFrom(room) !== undefined;
  }

  /** The newest `seq` of `room` when the client came in: a start if nothing was seen since. */
  baseline(room: string, seq: number): void {
    if (room === this.room && this.last === undefined) this.last = seq;
  }

  /**
   * True for a live chat the client has had already: a room's live chats come in ascending
   * `seq`, so one at or below the position was given by a catch-up whose page was read past
   * it (in a cluster the page may come back before the live chats it holds).
   */
  had(event: ChatEvent): boolean {
    return (
      event.type === 'chat' &&
      event.seq !== undefined &&
      this.last !== undefined &&
      event.seq <= this.last
    );
  }

  /**
   * The position is no longer known: the server said the room's history does not continue
   * from it (removed, or lost and numbered anew), so later numbers are not compared with it.
   */
  forget(): void {
    this.last = undefined;
    this.own.clear();
  }

  /** A chat of the room was seen, with this number. */
  seen(seq: number): void {
    if (this.last === undefined || seq > this.last) this.last = seq;
    // Own chats up to here are behind the position now (inserted in about ascending order).
    for (const mine of this.own) {
      if (mine > seq) break;
      this.own.delete(mine);
    }
  }

  /** One of this client's own chats was accepted with this number. */
  sent(seq: number): void {
    if (this.last !== undefined && seq <= this.last) return;
    this.own.add(seq);
    if (this.own.size > OWN_KEPT) this.own.delete(this.own.values().next().value!);
  }

  /**
   * A chat fetched from history: true when it is news to the client, neither seen already nor
   * its own. Either way the position moves past it.
   */
  fresh(seq: number): boolean {
    const news = (this.last === undefined || seq > this.last) && !this.own.has(seq);
    this.seen(seq);
    return news;
  }

  /** A resume begins: live events are held back until {@link release}. */
  hold(): void {
    this.held = [];
  }

  /** True while live events are held back. */
  get holding(): boolean {
    return this.held !== undefined;
  }

  /** Holds a live event back; false when no resume is under way. */
  keep(event: ChatEvent): boolean {
    if (!this.held) return false;
    this.held.push(event);
    return true;
  }

  /**
   * The resume is over: the held events, without the chats the resume already gave (by
   * `seq`). The caller emits them, which moves the position.
   */
  release(): ChatEvent[] {
    const held = this.held ?? [];
    this.held = undefined;
    const after = this.last;
    return held.filter(
      (e) => e.type !== 'chat' || e.seq === undefined || after === undefined || e.seq > after,
    );
  }

  /** The connection was lost during a resume: what was held is fetched again next time. */
  drop(): void {
    this.held = undefined;
  }
}
