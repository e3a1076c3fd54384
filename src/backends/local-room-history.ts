import { StoreFailedError } from './errors.js';
import type { Bus } from './bus.js';
import type { Appended, HistoryPage, HistoryStore, PageQuery } from './history.js';
import type { RoomChat, RoomHistory } from './room-history.js';

/**
 * A single node's {@link RoomHistory}: the store numbers and keeps a chat, then the bus (the
 * in-memory one, which delivers before it returns) hands it to the room. Both happen in one
 * synchronous step, so seq order is delivery order.
 */
export class LocalRoomHistory implements RoomHistory {
  /** @param now the server's wall clock, for each chat's `ts` */
  constructor(
    private readonly store: HistoryStore,
    private readonly bus: Bus,
    private readonly now: () => number = Date.now,
  ) {}

  publish(
    room: string,
    chat: RoomChat,
    frame: Uint8Array,
    except: string,
  ): Appended | Promise<Appended> {
    let appended: Appended;
    try {
      appended = this.store.append(room, { ...chat, ts: this.now() });
    } catch (err) {
      // Not kept, so not delivered: a chat in the room is a chat in its history.
      throw new StoreFailedError(`history: ${(err as Error).message}`, { cause: err });
    }
    if (appended.duplicate) return appended;
    const numbered = { seq: appended.seq, ts: appended.ts };
    const published = this.bus.publish({ kind: 'room', room, frame, numbered, except });
    // A bus of the embedder's own may deliver later: the chat is accepted once it has.
    return published ? published.then(() => appended) : appended;
  }

  page(room: string, query: PageQuery): HistoryPage {
    return this.store.page(room, query);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
