import type Database from 'better-sqlite3';
import {
  checkChat,
  checkPageQuery,
  resolveHistoryOptions,
  withinDedupeWindow,
  type ResolvedHistoryOptions,
} from '../backends/history-options.js';
import { Sweeper } from '../backends/history-sweep.js';
import type {
  Appended,
  HistoryChat,
  HistoryOptions,
  HistoryPage,
  HistoryStore,
  PageQuery,
} from '../backends/history.js';
import { TurnBatch } from './sqlite-batch.js';
import { SqliteRetention } from './sqlite-retention.js';
import type { SqliteRoom } from './sqlite-room.js';
import { openHistoryDatabase } from './sqlite-schema.js';
import { prepareStatements, type Statements } from './sqlite-statements.js';
import { WalSync } from './sqlite-wal-sync.js';

/** What the SQLite history is given beyond every store's options. */
export interface SqliteHistoryOptions extends HistoryOptions {
  /** The directory the database lives in (created if missing), `history.sqlite` in it. */
  readonly dataDir: string;
  /**
   * Seqs reserved at a time per room (default 1,000): the reservation is committed before any
   * of its seqs is handed out, so a room's numbering continues past it after the process was
   * killed, and skips at most this many numbers then.
   */
  readonly seqBlock?: number;
  /** Told of a retention step that failed (default: a process warning); the sweep goes on. */
  readonly onError?: (error: unknown) => void;
}

const WRITTEN = Promise.resolve();

/**
 * History in an embedded SQLite database (better-sqlite3): the persistent store of a single
 * node, under its data directory. Every write of an event-loop turn is one transaction,
 * committed at the end of the turn; a chat's `durable` resolves with that commit, after which
 * the chat survives the process being killed (see the note on `synchronous` in
 * sqlite-schema.ts). Opening reads one row per room, never the chats, so a restart is ready at
 * once whatever the database holds. One process at a time may open a data directory.
 */
export class SqliteHistory implements HistoryStore {
  private readonly options: ResolvedHistoryOptions;
  private readonly statements: Statements;
  private readonly rooms = new Map<string, SqliteRoom>();
  /** Rooms written to in the open transaction. */
  private readonly touched = new Set<SqliteRoom>();
  private readonly batch: TurnBatch;
  private readonly retention: SqliteRetention;
  private readonly sweeper: Sweeper;
  private readonly walSync: WalSync;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    options: ResolvedHistoryOptions,
    private readonly seqBlock: number,
    onError: (error: unknown) => void,
  ) {
    this.options = options;
    this.statements = prepareStatements(db);
    for (const row of this.statements.loadRooms.iterate()) {
      this.rooms.set(row.key, {
        id: row.id,
        key: row.key,
        last: row.seq_reserved,
        reserved: row.seq_reserved,
        trimmed: row.trimmed,
        committed: row.seq_reserved,
        oldest: undefined,
        oldestCid: undefined,
      });
    }
    this.walSync = new WalSync(`${db.name}-wal`);
    this.batch = new TurnBatch(db, this.statements, (committed) => this.settled(committed));
    this.retention = new SqliteRetention(db, this.statements, this.options, () => [
      ...this.rooms.values(),
    ]);
    this.sweeper = new Sweeper(
      this.options.timers,
      this.options.sweepIntervalMs,
      () => this.sweepStep(),
      onError,
    );
    this.sweeper.start();
  }

  /** Opens (or creates) the history under `options.dataDir`; throws if it cannot. */
  static open(options: SqliteHistoryOptions): SqliteHistory {
    const resolved = resolveHistoryOptions(options);
    const seqBlock = options.seqBlock ?? 1000;
    if (!Number.isSafeInteger(seqBlock) || seqBlock < 1) {
      throw new RangeError(`history: seqBlock must be a positive integer, not ${seqBlock}`);
    }
    const onError = options.onError ?? ((error: unknown) => process.emitWarning(error as Error));
    const db = openHistoryDatabase(options.dataDir);
    try {
      return new SqliteHistory(db, resolved, seqBlock, onError);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  append(key: string, chat: HistoryChat): Appended {
    if (this.closed) throw new Error('history: the store is closed');
    checkChat(chat);
    const st = this.statements;
    try {
      let room = this.rooms.get(key);
      if (room && chat.cid !== undefined) {
        const first = st.findCid.get(room.id, chat.cid);
        const now = this.options.now();
        if (
          first &&
          withinDedupeWindow(this.options, { seq: first[0], ts: first[1] }, room.last, now)
        ) {
          // The first chat is written, or is in the open transaction.
          const durable = first[0] > room.committed ? this.batch.join() : WRITTEN;
          return { seq: first[0], ts: first[1], duplicate: true, durable };
        }
      }
      if (!room) room = this.createRoom(key);
      else if (room.last >= room.reserved) this.reserve(room);
      const seq = room.last + 1;
      const durable = this.batch.join();
      st.insertMessage.run(room.id, seq, chat.ts, chat.from, chat.msg);
      if (chat.cid !== undefined) st.putCid.run(room.id, chat.cid, seq, chat.ts);
      room.last = seq;
      this.touched.add(room);
      if (room.oldest === null) room.oldest = [seq, chat.ts];
      if (chat.cid !== undefined && room.oldestCid === null) room.oldestCid = [seq, chat.ts];
      return { seq, ts: chat.ts, duplicate: false, durable };
    } catch (error) {
      this.batch.abandon(error);
      throw error;
    }
  }

  page(key: string, query: PageQuery): HistoryPage {
    if (this.closed) throw new Error('history: the store is closed');
    checkPageQuery(query);
    const room = this.rooms.get(key);
    // `after` beyond the last seq: the client saw chats this store does not have (rule 12.3).
    if (!room)
      return { messages: [], more: false, gap: query.after !== undefined && query.after > 0 };
    const { after, limit } = query;
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    // One row past the limit tells whether there are more.
    const rows =
      after === undefined
        ? this.statements.pageBefore.all(room.id, before, limit + 1)
        : this.statements.pageAfter.all(room.id, after, before, limit + 1);
    const more = rows.length > limit;
    if (more) rows.pop();
    if (after === undefined) rows.reverse();
    return {
      messages: rows.map(([seq, ts, from, msg]) => ({ seq, ts, from, msg })),
      more,
      gap: after !== undefined && (after < room.trimmed || after > room.last),
    };
  }

  lastSeq(key: string): number {
    return this.rooms.get(key)?.last ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sweeper.stop();
    this.walSync.close();
    try {
      this.batch.commit();
      // Give back what is reserved past the last seq: a clean restart continues without a skip.
      this.db.transaction(() => {
        for (const room of this.rooms.values()) {
          if (room.reserved > room.last) this.statements.reserve.run(room.last, room.id);
        }
      })();
    } finally {
      this.db.close();
    }
  }

  /** A new room's row, with its first block of seqs reserved and committed. */
  private createRoom(key: string): SqliteRoom {
    this.batch.join();
    const { lastInsertRowid } = this.statements.insertRoom.run(key, this.seqBlock);
    this.batch.commit();
    const room: SqliteRoom = {
      id: Number(lastInsertRowid),
      key,
      last: 0,
      reserved: this.seqBlock,
      trimmed: 0,
      committed: 0,
      oldest: null,
      oldestCid: null,
    };
    this.rooms.set(key, room);
    return room;
  }

  /**
   * Reserves the room's next block of seqs and commits at once, with whatever the turn wrote
   * so far: a seq is handed out only once its reservation is written, so that a restart after
   * `kill -9` never hands it out again, even if its chat was never written.
   */
  private reserve(room: SqliteRoom): void {
    const reserved = room.last + this.seqBlock;
    this.batch.join();
    this.statements.reserve.run(reserved, room.id);
    this.batch.commit();
    room.reserved = reserved;
  }

  private settled(committed: boolean): void {
    if (committed) this.walSync.written();
    for (const room of this.touched) {
      if (committed) {
        room.committed = room.last;
      } else {
        // What the transaction wrote is gone: the cached heads may name chats never written.
        room.oldest = undefined;
        room.oldestCid = undefined;
      }
    }
    this.touched.clear();
  }

  private sweepStep(): boolean {
    if (this.closed) return false;
    // The turn's chats commit in their own transaction, whatever becomes of the step's.
    this.batch.commit();
    return this.retention.step();
  }
}
