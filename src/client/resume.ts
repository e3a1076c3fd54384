/**
 * Catching up after a reconnect: the chats of the room since the last one seen, fetched with
 * HISTORY `after` page by page (rule 12.3), each one new to the client given as a `chat` event,
 * in order, and a `gap` event where some can no longer be had.
 */
import { MAX_HISTORY_LIMIT } from '../protocol/requests.js';
import { chatEvent, type ChatEvent } from './events.js';
import type { HistoryPage, HistoryQuery } from './history.js';
import type { RoomCursor } from './room-cursor.js';

/** What a catch-up reads with and gives its events to. */
export interface CatchUp {
  /** HISTORY on the connection being resumed. */
  read(query: HistoryQuery): Promise<HistoryPage>;
  /** False once that connection is no longer the client's: its answers are then ignored. */
  current(): boolean;
  /** The client's own nickname: its own chats are not given back to it. */
  nickname(): string;
  emit(event: ChatEvent): void;
}

/** Gives every chat of `room` after `after` that the client has not seen, in order. */
export async function catchUp(
  room: string,
  after: number,
  cursor: RoomCursor,
  to: CatchUp,
): Promise<void> {
  let from = after;
  let gapTold = false;
  try {
    for (;;) {
      const page = await to.read({ after: from, limit: MAX_HISTORY_LIMIT });
      if (!to.current() || page.room !== room) return;
      if (page.gap && !gapTold) {
        gapTold = true;
        to.emit({ type: 'gap', room, after: from });
        // Lost rather than removed (nothing newer kept): the numbering may have started over.
        if (page.messages.length === 0) cursor.forget();
      }
      for (const message of page.messages) {
        if (message.seq <= from) continue;
        from = message.seq;
        if (cursor.fresh(message.seq) && message.from !== to.nickname()) {
          to.emit({ ...chatEvent(message), missed: true });
        }
      }
      if (!page.more || page.messages.length === 0) return;
    }
  } catch {
    // Refused (the server's history failed, or is off now): what followed is not known. A
    // lost connection is caught up on by the next reconnect instead.
    if (to.current() && !gapTold) to.emit({ type: 'gap', room, after: from });
  }
}
