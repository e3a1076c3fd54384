/**
 * The moderation database file: where it lives, how it is opened, and the tables in it. Opened
 * as the history's file is (src/history/sqlite-schema.ts), for the same reasons.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StorageUnusableError } from '../backends/errors.js';

/** The file under the data directory, beside `history.sqlite`. */
export const MODERATION_FILE = 'moderation.sqlite';

/** The schema this code writes; a file written by a later one is refused, not guessed at. */
export const SCHEMA_VERSION = 1;

const SCHEMA = `
  -- AUTOINCREMENT: an id is never handed out again, also after its row was deleted, so an id
  -- an operator saw (in a ban list, in the audit log) never names another ban later.
  -- expires_at: ms since the epoch, NULL until lifted.
  CREATE TABLE bans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('nickname', 'address')),
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
  );
  CREATE TABLE mutes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    nickname TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
  );
  -- Append-only; a page is a range of the id, newest first. details: a JSON object.
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    details TEXT NOT NULL
  );
`;

/**
 * Opens (creating the directory and the file if missing) the moderation database under
 * `dataDir`, ready to use: the pragmas set, the schema created or checked.
 * @throws StorageUnusableError when another process has the file open
 */
export function openModerationDatabase(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, MODERATION_FILE);
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
  // One process owns the file: its memory holds every ban, and another writer would go unseen.
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  // A commit is written to the WAL before a call returns: it survives the process being
  // killed, though not the machine losing power (the reasoning in src/history/sqlite-schema.ts).
  db.pragma('synchronous = NORMAL');
  // Take the lock now, so that a second server fails at start rather than at its first ban.
  db.prepare('BEGIN EXCLUSIVE').run();
  db.prepare('COMMIT').run();
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SCHEMA_VERSION) return;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `moderation: ${db.name} has schema version ${version}, newer than this Natter's ` +
        `${SCHEMA_VERSION}: use the Natter that wrote it, or another data dir`,
    );
  }
  // Version 0 is a new file (or one this code never wrote: it must then be empty).
  const tables = db
    .prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'")
    .pluck()
    .get() as number;
  if (tables > 0) {
    throw new Error(`moderation: ${db.name} is not a Natter moderation database`);
  }
  db.transaction(() => {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}
