import { close, fsync, open, openSync } from 'node:fs';

/** How often, at most, the write-ahead log is flushed to disk in the background. */
const EVERY_MS = 100;

/**
 * Flushes the write-ahead log to disk in the background (Node's thread pool), so that SQLite's
 * own checkpoint finds little left to flush.
 *
 * With `synchronous = NORMAL` a commit only writes to the WAL; SQLite calls fsync when it
 * checkpoints (every 1,000 pages, about 4 MB), on the event loop's thread, and that fsync has
 * all of those megabytes to push to disk: 7-11 ms on the benchmark machine, a stall for every
 * connection (the largest delays in BENCHMARKS.md, "Where the tail comes from"). Flushed here a
 * little at a time, off the event loop, the checkpoint's own fsync costs a fraction of that.
 * The durability promise is SQLite's as before: this adds flushes and removes none.
 */
export class WalSync {
  private fd: number | undefined;
  private opening = false;
  private flushing = false;
  private lastMs = -Infinity;
  private closed = false;

  /**
   * @param file the WAL's path (`<database>-wal`), opened now if it exists (a descriptor held
   *   from the start, as the database's own are), or at the first flush
   */
  constructor(private readonly file: string) {
    try {
      this.fd = openSync(file, 'r');
    } catch {
      // Not there yet: opened at the first flush.
    }
  }

  /** A transaction was committed: flush the WAL soon, unless a flush is under way. */
  written(): void {
    if (this.closed || this.flushing || this.opening) return;
    const now = performance.now();
    if (now - this.lastMs < EVERY_MS) return;
    this.lastMs = now;
    if (this.fd === undefined) return this.openThenFlush();
    this.flush(this.fd);
  }

  /** Stops flushing; the descriptor is closed once a flush under way ends. */
  close(): void {
    this.closed = true;
    if (!this.flushing && !this.opening) this.release();
  }

  private openThenFlush(): void {
    this.opening = true;
    open(this.file, 'r', (err, fd) => {
      this.opening = false;
      // No WAL (yet): SQLite's own fsyncs do the work.
      if (err) return;
      this.fd = fd;
      if (this.closed) return this.release();
      this.flush(fd);
    });
  }

  private flush(fd: number): void {
    this.flushing = true;
    fsync(fd, () => {
      // A failed flush changes nothing: SQLite's checkpoint flushes and reports for itself.
      this.flushing = false;
      if (this.closed) this.release();
    });
  }

  private release(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) close(fd, () => undefined);
  }
}
