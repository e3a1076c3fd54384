/**
 * The history database file: where it lives, how it is opened, and the tables in it.
 */
import { StorageUnusableError } from '../backends/errors.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** The file under the data directory. */
export const HISTORY_FILE = 'history.sqlite';

/** The schema this code writes; a file written by a later one is refused, not guessed at. */
export const SCHEMA_VERSION = 1;

const SCHEMA = `
  -- One row per room ever written to. seq_reserved: every seq up to it may have been handed
  -- out, so a restart continues after it. trimmed: retention removed every chat up to it.
  CREATE TABLE rooms (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    seq_reserved INTEGER NOT NULL,
    trimmed INTEGER NOT NULL DEFAULT 0
  );
  -- Clustered by (room, seq): a page is one range of the table's own b-tree, with no index
  -- beside it, and the room is a small integer rather than its key repeated in every row.
  CREATE TABLE messages (
    room INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    sender TEXT NOT NULL,
    msg TEXT NOT NULL,
    PRIMARY KEY (room, seq)
  ) WITHOUT ROWID;
  -- Client ids within the dedupe window, apart from the chats so that retention, which may
  -- keep fewer chats than the window, never shortens it.
  CREATE TABLE cids (
    room INTEGER NOT NULL,
    cid TEXT NOT NULL,
    seq INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    PRIMARY KEY (room, cid)
  ) WITHOUT ROWID;
  CREATE INDEX cids_by_seq ON cids (room, seq);
`;

/**
 * Opens (creating the directory and the file if missing) the history database under
 * `dataDir`, ready to use: the pragmas set, the schema created or checked.
 */
export function openHistoryDatabase(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, HISTORY_FILE);
  // timeout 0: a file held by another process is an error at once, not a wait.
  const db = new Database(file, { timeout: 0 });
  try {
    configure(db);
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new StorageUnusableError(
        `${file} is in use by another server (one server per data directory)`,
      );
    }
    throw err;
  }
}

function configure(db: Database.Database): void {
  // One process owns the file: two servers numbering the same rooms would hand out the same
  // seqs. Set before WAL is first used, it also keeps the WAL index in the process's memory
  // (no -shm file).
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  // In WAL mode, NORMAL makes a commit write its pages to the WAL with write(2) and return
  // without fsync; the WAL is fsynced at checkpoints. Once write(2) returned, the pages are in
  // the operating system's cache, which outlives the process: `kill -9` (or Node crashing)
  // after a commit loses nothing, and the next open replays the WAL. Only the machine losing
  // power, or its kernel crashing, can lose the last commits (never the file's consistency).
  // FULL would fsync every commit: that is the price of surviving power loss, which the
  // durability promise (a chat acknowledged survives kill -9 of the server) does not need;
  // test/history/sqlite-kill.test.ts checks the promise with a real SIGKILL.
  db.pragma('synchronous = NORMAL');
  db.pragma('temp_store = MEMORY');
  // Pages are read through a memory map rather than a read(2) each: a page deep in a big room
  // costs no system call (its p99 fell from about 1.5 ms to 0.3 ms on a loaded machine).
  // Address space only: what is mapped is the file's pages in the OS cache, read on demand.
  db.pragma(`mmap_size = ${1024 * 1024 * 1024}`);
  // Take the lock now, so that a second server fails at start rather than at its first chat.
  db.prepare('BEGIN EXCLUSIVE').run();
  db.prepare('COMMIT').run();
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SCHEMA_VERSION) return;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `history: ${db.name} has schema version ${version}, newer than this Natter's ` +
        `${SCHEMA_VERSION}: use the Natter that wrote it, or another data dir`,
    );
  }
  // Version 0 is a new file (or one this code never wrote: it must then be empty).
  const tables = db
    .prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'")
    .pluck()
    .get() as number;
  if (tables > 0) {
    throw new Error(`history: ${db.name} is not a Natter history database`);
  }
  db.transaction(() => {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}
