import type Database from 'better-sqlite3';
import type { Statements } from './sqlite-statements.js';

interface Pending {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function pending(): Pending {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  // Whoever awaits the promise sees a failure; a chat nobody waits for must not crash Node.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * The shortest time between two commits, in milliseconds: what an acknowledgement may wait at
 * most beyond its turn, so that the chats of several turns share one commit.
 */
const COMMIT_EVERY_MS = 10;

/**
 * The writes of one event-loop turn, or of the few turns within {@link COMMIT_EVERY_MS}, in one
 * transaction: the first write begins it, and it commits after the turn's writes to the
 * clients, so a burst of chats read from many sockets costs one commit. Every write of the
 * transaction waits on one promise, which its commit settles.
 */
export class TurnBatch {
  private current: Pending | undefined;
  private scheduled = false;
  /** When the last commit ran (performance.now()). */
  private lastCommitMs = -Infinity;

  /**
   * @param settled told after each transaction ends, whether it was committed
   */
  constructor(
    private readonly db: Database.Database,
    private readonly statements: Pick<Statements, 'begin' | 'commit' | 'rollback'>,
    private readonly settled: (committed: boolean) => void,
  ) {}

  /** A transaction is open. */
  get open(): boolean {
    return this.current !== undefined;
  }

  /** Begins this turn's transaction unless one is open; the promise its commit settles. */
  join(): Promise<void> {
    if (!this.current) {
      this.statements.begin.run();
      this.current = pending();
      if (!this.scheduled) {
        this.scheduled = true;
        // Committed after this turn's writes to the clients, in the next turn's check phase:
        // the commit (and a checkpoint it may run) must not delay the deliveries, which do not
        // wait for it (only acknowledgements do, rule 12.5). And at most once per
        // COMMIT_EVERY_MS: a commit writes whole pages to the WAL, so a chat a commit would
        // write about 3 pages (12 KB) for its 100 bytes, and the WAL would fill up, and be
        // checkpointed with its fsyncs, every few hundred chats. Chats that come meanwhile
        // join this transaction.
        const wait = this.lastCommitMs + COMMIT_EVERY_MS - performance.now();
        if (wait <= 0) setImmediate(this.commitNextTurn);
        else setTimeout(this.commitScheduled, wait);
      }
    }
    return this.current.promise;
  }

  private readonly commitNextTurn = (): void => void setImmediate(this.commitScheduled);

  private readonly commitScheduled = (): void => {
    this.scheduled = false;
    try {
      this.commit();
    } catch {
      // The failure reached every write of the transaction through its promise.
    }
  };

  /** Commits the open transaction now. A failed commit rolls back, rejects and throws. */
  commit(): void {
    const batch = this.current;
    if (!batch) return;
    this.current = undefined;
    this.lastCommitMs = performance.now();
    try {
      this.statements.commit.run();
    } catch (error) {
      this.undo(batch, error);
      throw error;
    }
    this.settled(true);
    batch.resolve();
  }

  /**
   * Gives up the open transaction after one of its writes failed: SQLite may already have
   * rolled it back, and a half-done write must not be committed with the rest. Every write of
   * the transaction fails with `error`.
   */
  abandon(error: unknown): void {
    const batch = this.current;
    if (!batch) return;
    this.current = undefined;
    this.undo(batch, error);
  }

  private undo(batch: Pending, error: unknown): void {
    if (this.db.inTransaction) {
      try {
        this.statements.rollback.run();
      } catch {
        // Nothing more can be done: the transaction's writes are lost either way.
      }
    }
    this.settled(false);
    batch.reject(error);
  }
}
