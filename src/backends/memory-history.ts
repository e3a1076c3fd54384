import {
  checkChat,
  checkPageQuery,
  resolveHistoryOptions,
  withinDedupeWindow,
} from './history-options.js';
import type { ResolvedHistoryOptions } from './history-options.js';
import { RetentionRounds, Sweeper } from './history-sweep.js';
import type {
  Appended,
  HistoryChat,
  HistoryOptions,
  HistoryPage,
  HistoryStore,
  PageQuery,
  StoredMessage,
} from './history.js';

/** A queue ordered by seq that loses items from its front. */
class SeqRun<T extends { readonly seq: number }> {
  private items: T[] = [];
  private head = 0;

  get start(): number {
    return this.head;
  }

  get end(): number {
    return this.items.length;
  }

  first(): T | undefined {
    return this.items[this.head];
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): void {
    this.head++;
    // Compact once the dead front outweighs the live part: amortised O(1) per item.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** The index of the first item with a seq above `seq` (`end` if none). */
  indexAfter(seq: number): number {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid]!.seq > seq) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  slice(from: number, to: number): T[] {
    return this.items.slice(from, to);
  }
}

interface CidEntry {
  readonly cid: string;
  readonly seq: number;
  readonly ts: number;
}

class MemoryRoom {
  /** The highest seq handed out. */
  last = 0;
  /** Retention removed every chat up to this seq. */
  trimmed = 0;
  readonly messages = new SeqRun<StoredMessage>();
  readonly cids = new Map<string, CidEntry>();
  /** The same entries by seq, for expiring them oldest first. */
  readonly cidOrder = new SeqRun<CidEntry>();
}

/** Every chat is written the moment it is appended: nothing to wait for. */
const WRITTEN = Promise.resolve();

/**
 * History in the process's memory: the store of an embedded or test server given no data
 * directory. It keeps the contract of {@link HistoryStore} while the process lives and nothing
 * after; retention bounds its memory (about 100 bytes per chat plus the text).
 */
export class MemoryHistory implements HistoryStore {
  private readonly options: ResolvedHistoryOptions;
  private readonly rooms = new Map<string, MemoryRoom>();
  private readonly sweeper: Sweeper;
  private closed = false;

  constructor(options: HistoryOptions = {}) {
    this.options = resolveHistoryOptions(options);
    const rounds = new RetentionRounds(
      () => [...this.rooms.values()],
      (room: MemoryRoom, budget: number) => this.trim(room, budget),
      this.options.sweepBatch,
    );
    // Trimming memory cannot fail; a throw here is a bug, and the next round tries again.
    this.sweeper = new Sweeper(
      this.options.timers,
      this.options.sweepIntervalMs,
      () => rounds.step(),
      (error) => process.emitWarning(error as Error),
    );
    this.sweeper.start();
  }

  append(key: string, chat: HistoryChat): Appended {
    if (this.closed) throw new Error('history: the store is closed');
    checkChat(chat);
    let room = this.rooms.get(key);
    if (!room) this.rooms.set(key, (room = new MemoryRoom()));
    if (chat.cid !== undefined) {
      const first = room.cids.get(chat.cid);
      if (first && withinDedupeWindow(this.options, first, room.last, this.options.now())) {
        return { seq: first.seq, ts: first.ts, duplicate: true, durable: WRITTEN };
      }
    }
    const seq = ++room.last;
    room.messages.push({ seq, ts: chat.ts, from: chat.from, msg: chat.msg });
    if (chat.cid !== undefined) {
      const entry = { cid: chat.cid, seq, ts: chat.ts };
      room.cids.set(chat.cid, entry);
      room.cidOrder.push(entry);
    }
    return { seq, ts: chat.ts, duplicate: false, durable: WRITTEN };
  }

  page(key: string, query: PageQuery): HistoryPage {
    checkPageQuery(query);
    const room = this.rooms.get(key);
    // `after` beyond the last seq: the client saw chats this store does not have (rule 12.3).
    if (!room)
      return { messages: [], more: false, gap: query.after !== undefined && query.after > 0 };
    const run = room.messages;
    const { before, after, limit } = query;
    const lo = after === undefined ? run.start : run.indexAfter(after);
    const hi = before === undefined ? run.end : Math.max(lo, run.indexAfter(before - 1));
    const gap = after !== undefined && (after < room.trimmed || after > room.last);
    if (after !== undefined) {
      const to = Math.min(lo + limit, hi);
      return { messages: run.slice(lo, to), more: to < hi, gap };
    }
    const from = Math.max(lo, hi - limit);
    return { messages: run.slice(from, hi), more: from > lo, gap };
  }

  lastSeq(key: string): number {
    return this.rooms.get(key)?.last ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.sweeper.stop();
  }

  /** Removes up to `budget` chats past retention and cids past the window, oldest first. */
  private trim(room: MemoryRoom, budget: number): number {
    const now = this.options.now();
    const countCut = room.last - this.options.maxPerRoom;
    const ageCut = now - this.options.maxAgeMs;
    let removed = 0;
    for (let m = room.messages.first(); m && removed < budget; m = room.messages.first()) {
      if (m.seq > countCut && m.ts >= ageCut) break;
      room.messages.shift();
      room.trimmed = m.seq;
      removed++;
    }
    for (let c = room.cidOrder.first(); c && removed < budget; c = room.cidOrder.first()) {
      if (withinDedupeWindow(this.options, c, room.last, now)) break;
      room.cidOrder.shift();
      // A cid accepted again after it expired has a newer entry: that one stays.
      if (room.cids.get(c.cid) === c) room.cids.delete(c.cid);
      removed++;
    }
    return removed;
  }
}
