import type { Appended, HistoryChat, HistoryPage, PageQuery } from './history.js';

/**
 * History where a room's order is made (docs/protocol.md, section 12): a chat is numbered, kept
 * (or recognised as a resend by its `cid`) and handed to the bus in one step, so its `seq`
 * follows the order in which the room's members receive it, on every node.
 *
 * Two implementations pass one contract (test/backends/room-history-contract.ts):
 * {@link LocalRoomHistory} (local-room-history.ts), a {@link HistoryStore} in front of the
 * in-memory bus, for a single node; and the cluster's, on Redis (src/cluster/redis-history.ts),
 * where one script numbers the chat in the room's sequence, adds it to the room's stream and
 * publishes it.
 */
export interface RoomHistory {
  /**
   * Numbers, keeps and delivers one chat to every member of `room` but `except` (its sender).
   * A chat whose `cid` was already accepted in the room within the window is delivered to
   * nobody and kept again by nobody: the result is the first chat's, with `duplicate: true`.
   * @param frame the chat as a seed client gets it, CHAT_RESPONSE `70` without `seq` and `ts`;
   *   members with the `history` capability get it with both
   * @returns at once on a single node; in a cluster a promise, settled once Redis has published
   *   it (rejected with BackendUnavailableError when it was not, and never will be)
   */
  publish(
    room: string,
    chat: RoomChat,
    frame: Uint8Array,
    except: string,
  ): Appended | Promise<Appended>;
  /** A page of the room's kept chats (rule 12.3). */
  page(room: string, query: PageQuery): HistoryPage | Promise<HistoryPage>;
  /** Writes what is pending and lets go of the storage; safe to call twice. */
  close(): Promise<void>;
}

/** A chat to number and keep; its time is set where it is numbered. */
export type RoomChat = Omit<HistoryChat, 'ts'>;
