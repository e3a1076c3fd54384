import { ConfigError } from '../config/resolve.js';
import { MemoryModerationStore } from '../backends/memory-moderation.js';
import type { ModerationOptions, ModerationStore } from '../backends/moderation.js';

/** The SQLite store, loaded only when a data directory is given. */
type SqliteModule = typeof import('./sqlite-moderation.js');

/** What {@link openModerationStore} is given. */
export interface OpenModerationOptions extends ModerationOptions {
  /**
   * Where bans, mutes and the audit log are kept (`moderation.sqlite` in it; the directory is
   * created if missing). Without it they live in memory and end with the process: the store of
   * an embedded or test server.
   */
  readonly dataDir?: string;
}

/**
 * The moderation store of a single node: SQLite under `dataDir`, or memory without one. The
 * SQLite driver (a native module) is imported here, dynamically, and only for a data
 * directory. A cluster's store is on Redis instead (src/cluster/redis-moderation.ts).
 */
export async function openModerationStore(
  options: OpenModerationOptions = {},
): Promise<ModerationStore> {
  if (options.dataDir === undefined) return new MemoryModerationStore(options);
  const { SqliteModerationStore } = await loadSqlite();
  return SqliteModerationStore.open({ ...options, dataDir: options.dataDir });
}

/** Loads the SQLite store; a missing driver is a clear configuration error. */
async function loadSqlite(): Promise<SqliteModule> {
  try {
    return await import('./sqlite-moderation.js');
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    if (code === 'ERR_MODULE_NOT_FOUND' && /Cannot find package 'better-sqlite3'/.test(message)) {
      throw new ConfigError(
        'a data directory is set, but the SQLite driver (the npm package better-sqlite3) is ' +
          'not installed: run `npm install better-sqlite3@12` in the folder Natter runs from',
      );
    }
    throw err;
  }
}
