import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { MemoryHistory } from '../../src/backends/memory-history.js';
import { openHistory } from '../../src/history/open.js';
import { SqliteHistory } from '../../src/history/sqlite-history.js';

const OPEN_MODULE = new URL('../../src/history/open.js', import.meta.url).href;

/** test/fixtures/without-better-sqlite3.mjs: a loader that makes the driver impossible to import. */
function hideDriver(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++, dir = dirname(dir)) {
    const path = join(dir, 'test', 'fixtures', 'without-better-sqlite3.mjs');
    if (existsSync(path)) return `--import=${pathToFileURL(path).href}`;
  }
  throw new Error('test/fixtures/without-better-sqlite3.mjs not found');
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'natter-history-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('openHistory', () => {
  it('keeps history in memory without a data dir, in SQLite with one', async (t) => {
    const memory = await openHistory();
    t.after(() => memory.close());
    assert.ok(memory instanceof MemoryHistory);
    const dataDir = tempDir(t);
    const first = await openHistory({ dataDir });
    assert.ok(first instanceof SqliteHistory);
    await first.append('lobby', { from: 'x', msg: 'kept', ts: Date.now() }).durable;
    await first.close();
    const second = await openHistory({ dataDir });
    t.after(() => second.close());
    assert.deepEqual(
      second.page('lobby', { limit: 5 }).messages.map((m) => m.msg),
      ['kept'],
    );
  });

  it('never loads the SQLite driver for history in memory, and names it when missing', async (t) => {
    const dataDir = tempDir(t);
    const script = `
      const { openHistory } = await import(${JSON.stringify(OPEN_MODULE)});
      const store = await openHistory();
      console.log('memory seq', store.append('lobby', { from: 'x', msg: 'y', ts: 1 }).seq);
      await store.close();
      await openHistory({ dataDir: ${JSON.stringify(dataDir)} }).catch((e) => console.log(e.name, e.message));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [hideDriver(), '--input-type=module', '-e', script],
      { timeout: 30_000 },
    );
    assert.match(stdout, /^memory seq 1$/m);
    assert.match(stdout, /ConfigError .*the npm package better-sqlite3\) is not installed/);
    assert.equal(existsSync(join(dataDir, 'history.sqlite')), false);
  });
});
