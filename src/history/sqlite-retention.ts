import type Database from 'better-sqlite3';
import { withinDedupeWindow, type ResolvedHistoryOptions } from '../backends/history-options.js';
import { RetentionRounds } from '../backends/history-sweep.js';
import type { Head, SqliteRoom } from './sqlite-room.js';
import type { HeadRow, Statements } from './sqlite-statements.js';

/**
 * Retention in SQLite: each step removes at most `sweepBatch` rows, oldest first, with range
 * deletes on the tables' own keys, in one transaction. A room whose oldest row is known to be
 * kept costs no query; it is known after the room's first visit and kept up to date.
 */
export class SqliteRetention {
  private readonly rounds: RetentionRounds<SqliteRoom>;
  /** What the step changes in memory, applied once its transaction committed. */
  private updates: (() => void)[] = [];

  constructor(
    private readonly db: Database.Database,
    private readonly statements: Statements,
    private readonly options: ResolvedHistoryOptions,
    rooms: () => SqliteRoom[],
  ) {
    this.rounds = new RetentionRounds(
      rooms,
      (room, budget) => this.trim(room, budget),
      options.sweepBatch,
    );
  }

  /** One step of the sweep; true while the round is unfinished. Throws if the step failed. */
  step(): boolean {
    this.updates = [];
    const unfinished = this.db.transaction(() => this.rounds.step())();
    for (const update of this.updates) update();
    return unfinished;
  }

  private trim(room: SqliteRoom, budget: number): number {
    const now = this.options.now();
    const countCut = room.last - this.options.maxPerRoom;
    const ageCut = now - this.options.maxAgeMs;
    const removed = this.trimHead(room, budget, 'messages', ([seq, ts]) => {
      return seq <= countCut || ts < ageCut;
    });
    if (removed >= budget) return removed;
    const last = room.last;
    return (
      removed +
      this.trimHead(room, budget - removed, 'cids', ([seq, ts]) => {
        return !withinDedupeWindow(this.options, { seq, ts }, last, now);
      })
    );
  }

  /** Removes the expired run at the head of a room's chats or cids, at most `budget` rows. */
  private trimHead(
    room: SqliteRoom,
    budget: number,
    table: 'messages' | 'cids',
    expired: (head: Head) => boolean,
  ): number {
    const known = table === 'messages' ? room.oldest : room.oldestCid;
    if (known === null || (known !== undefined && !expired(known))) return 0;
    const { statements: st } = this;
    const head: HeadRow[] = (table === 'messages' ? st.messagesHead : st.cidsHead).all(
      room.id,
      budget + 1,
    );
    let count = 0;
    while (count < budget && count < head.length && expired(head[count]!)) count++;
    const oldest = head[count] ?? null;
    const through = count > 0 ? head[count - 1]![0] : undefined;
    if (through !== undefined && table === 'messages') {
      st.deleteMessagesThrough.run(room.id, through);
      st.setTrimmed.run(through, room.id);
      this.updates.push(() => ((room.trimmed = through), (room.oldest = oldest)));
    } else if (table === 'messages') {
      this.updates.push(() => (room.oldest = oldest));
    } else {
      if (through !== undefined) st.deleteCidsThrough.run(room.id, through);
      this.updates.push(() => (room.oldestCid = oldest));
    }
    return count;
  }
}
