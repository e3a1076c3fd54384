import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { MemoryModerationStore } from '../../src/backends/memory-moderation.js';
import { openModerationStore } from '../../src/moderation-store/open.js';
import { SqliteModerationStore } from '../../src/moderation-store/sqlite-moderation.js';
import { MODERATION_FILE } from '../../src/moderation-store/sqlite-schema.js';
import { moderationContract } from '../backends/moderation-contract.js';
import { FakeClock } from '../fake-clock.js';

const OPEN_MODULE = new URL('../../src/moderation-store/open.js', import.meta.url).href;
const HOUR = 3_600_000;

/** A fresh directory under the system's temporary one, removed after the test. */
function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'natter-moderation-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The rows of a table, read beside the store (which holds the file's lock: after it closed). */
function rows(dataDir: string, table: string): unknown[] {
  const db = new Database(join(dataDir, MODERATION_FILE), { readonly: true });
  try {
    return db.prepare(`SELECT * FROM ${table}`).all();
  } finally {
    db.close();
  }
}

moderationContract('SqliteModerationStore', async (t, options) => {
  const dataDir = tempDir(t);
  const store = SqliteModerationStore.open({ ...options, dataDir });
  t.after(() => store.close());
  return store;
});

describe('SqliteModerationStore on disk', () => {
  it('keeps bans, mutes and the audit log across close and reopen', async (t) => {
    const dataDir = tempDir(t);
    const clock = new FakeClock(0);
    const start = Date.now();
    const now = () => start + clock.now();
    const first = SqliteModerationStore.open({ dataDir, now });
    const alice = await first.addBan({ nickname: 'Alice', reason: 'spam', by: 'root' });
    const block = await first.addBan({
      address: '::ffff:10.0.0.0/104',
      by: 'root',
      durationMs: HOUR,
    });
    const lifted = await first.addBan({ nickname: 'carol', by: 'root' });
    await first.removeBan({ nickname: 'carol' });
    const mute = await first.addMute({ nickname: 'bob', by: 'root', durationMs: 2 * HOUR });
    const entry = await first.appendAudit({
      by: 'root',
      action: 'ban',
      target: 'Alice',
      details: { n: 1 },
    });
    await first.close();

    const second = SqliteModerationStore.open({ dataDir, now });
    t.after(() => second.close());
    assert.deepEqual(await second.listBans(), [alice, block]);
    assert.deepEqual(await second.listMutes(), [mute]);
    assert.deepEqual(await second.findBan({ nickname: 'ALICE', address: '::1' }), alice);
    assert.deepEqual(await second.findBan({ nickname: 'x', address: '10.2.3.4' }), block);
    assert.equal(await second.findBan({ nickname: 'carol', address: '::1' }), undefined);
    assert.deepEqual((await second.readAudit({ limit: 5 })).entries, [entry]);
    // Ids are never handed out again, also the lifted ban's.
    const next = await second.addBan({ nickname: 'dave', by: 'root' });
    assert.ok(Number(next.id) > Number(lifted.id));
    assert.ok((await second.appendAudit({ by: 'root', action: 'x' })).id > entry.id);
  });

  it('removes expired entries from the file, at the first find past them or at open', async (t) => {
    const dataDir = tempDir(t);
    const clock = new FakeClock(0);
    const start = Date.now();
    const now = () => start + clock.now();
    const store = SqliteModerationStore.open({ dataDir, now });
    await store.addBan({ nickname: 'a', by: 'root', durationMs: HOUR });
    await store.addBan({ nickname: 'b', by: 'root' });
    await store.addMute({ nickname: 'a', by: 'root', durationMs: HOUR });
    await store.addMute({ nickname: 'c', by: 'root', durationMs: 3 * HOUR });
    clock.advance(HOUR);
    assert.equal(await store.findMute('a'), undefined);
    await store.close();
    assert.deepEqual(
      rows(dataDir, 'bans').map((r) => (r as { target: string }).target),
      ['b'],
    );
    assert.deepEqual(
      rows(dataDir, 'mutes').map((r) => (r as { nickname: string }).nickname),
      ['c'],
    );
    clock.advance(2 * HOUR);
    const reopened = SqliteModerationStore.open({ dataDir, now });
    await reopened.close();
    assert.equal(rows(dataDir, 'mutes').length, 0, 'the mute that expired while closed');
  });

  it('creates the data directory, nested, with the database in it', async (t) => {
    const dataDir = join(tempDir(t), 'a', 'b');
    const store = SqliteModerationStore.open({ dataDir });
    await store.close();
    assert.ok(existsSync(join(dataDir, MODERATION_FILE)));
  });

  it('refuses a second store on a directory in use, and opens it once free', async (t) => {
    const dataDir = tempDir(t);
    const first = SqliteModerationStore.open({ dataDir });
    assert.throws(() => SqliteModerationStore.open({ dataDir }), {
      name: 'StorageUnusableError',
      message: /moderation\.sqlite is in use by another server/,
    });
    await first.addBan({ nickname: 'x', by: 'root' });
    await first.close();
    const second = SqliteModerationStore.open({ dataDir });
    assert.equal((await second.listBans()).length, 1);
    await second.close();
  });

  it('refuses a file written by a newer schema, or by something else', (t) => {
    const newer = tempDir(t);
    const db = new Database(join(newer, MODERATION_FILE));
    db.pragma('user_version = 99');
    db.close();
    assert.throws(() => SqliteModerationStore.open({ dataDir: newer }), /schema version 99, newer/);
    const other = tempDir(t);
    const foreign = new Database(join(other, MODERATION_FILE));
    foreign.exec('CREATE TABLE notes (body TEXT)');
    foreign.close();
    assert.throws(
      () => SqliteModerationStore.open({ dataDir: other }),
      /not a Natter moderation database/,
    );
  });
});

/** test/fixtures/without-better-sqlite3.mjs: a loader that makes the driver impossible to import. */
function hideDriver(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++, dir = dirname(dir)) {
    const path = join(dir, 'test', 'fixtures', 'without-better-sqlite3.mjs');
    if (existsSync(path)) return `--import=${pathToFileURL(path).href}`;
  }
  throw new Error('test/fixtures/without-better-sqlite3.mjs not found');
}

describe('openModerationStore', () => {
  it('keeps moderation in memory without a data dir, in SQLite with one', async (t) => {
    const memory = await openModerationStore();
    t.after(() => memory.close());
    assert.ok(memory instanceof MemoryModerationStore);
    const dataDir = tempDir(t);
    const first = await openModerationStore({ dataDir });
    assert.ok(first instanceof SqliteModerationStore);
    await first.addBan({ nickname: 'kept', by: 'root' });
    await first.close();
    const second = await openModerationStore({ dataDir });
    t.after(() => second.close());
    assert.deepEqual(
      (await second.listBans()).map((b) => b.target),
      ['kept'],
    );
  });

  it('never loads the SQLite driver for memory, and names it when missing', async (t) => {
    const dataDir = tempDir(t);
    const script = `
      const { openModerationStore } = await import(${JSON.stringify(OPEN_MODULE)});
      const store = await openModerationStore();
      console.log('memory ban', (await store.addBan({ nickname: 'x', by: 'r' })).id);
      await store.close();
      await openModerationStore({ dataDir: ${JSON.stringify(dataDir)} }).catch((e) => console.log(e.name, e.message));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, [
      hideDriver(),
      '--input-type=module',
      '-e',
      script,
    ]);
    assert.match(stdout, /^memory ban 1\n/);
    assert.match(stdout, /ConfigError .*better-sqlite3.*npm install better-sqlite3@12/);
  });
});
