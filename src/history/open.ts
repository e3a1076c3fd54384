import { ConfigError } from '../config/resolve.js';
import type { HistoryOptions, HistoryStore } from '../backends/history.js';
import { MemoryHistory } from '../backends/memory-history.js';

/** The SQLite history, loaded only when a data directory is given. */
type SqliteModule = typeof import('./sqlite-history.js');

/** What {@link openHistory} is given. */
export interface OpenHistoryOptions extends HistoryOptions {
  /**
   * Where the persistent history lives (`history.sqlite` in it; the directory is created if
   * missing). Without it, history lives in memory and ends with the process: the store of an
   * embedded or test server.
   */
  readonly dataDir?: string;
}

/**
 * The history store a server with history on uses: SQLite under `dataDir`, or memory without
 * one. The SQLite driver (a native module) is imported here, dynamically, and only for a data
 * directory: a server with history off, or in memory, never loads it.
 */
export async function openHistory(options: OpenHistoryOptions = {}): Promise<HistoryStore> {
  if (options.dataDir === undefined) return new MemoryHistory(options);
  const { SqliteHistory } = await loadSqlite();
  return SqliteHistory.open({ ...options, dataDir: options.dataDir });
}

/** Loads the SQLite history; a missing driver is a clear configuration error. */
async function loadSqlite(): Promise<SqliteModule> {
  try {
    return await import('./sqlite-history.js');
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    if (code === 'ERR_MODULE_NOT_FOUND' && /Cannot find package 'better-sqlite3'/.test(message)) {
      throw new ConfigError(
        'history is on, but the SQLite driver (the npm package better-sqlite3) is not ' +
          'installed: run `npm install better-sqlite3@12` in the folder Natter runs from, or ' +
          'turn history off',
      );
    }
    throw err;
  }
}
