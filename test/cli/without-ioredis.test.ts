import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join as joinChat, joinAll } from '../helpers.js';
import { NATTER_BIN, run, tempDataDir } from './process.js';

/** test/fixtures/without-ioredis.mjs: a loader that makes `ioredis` impossible to import. */
function hideIoredis(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++, dir = dirname(dir)) {
    const path = join(dir, 'test', 'fixtures', 'without-ioredis.mjs');
    if (existsSync(path)) return `--import=${pathToFileURL(path).href}`;
  }
  throw new Error('test/fixtures/without-ioredis.mjs not found');
}

const withoutIoredis = { env: { ...process.env, NODE_OPTIONS: hideIoredis() } };

describe('a single node without the Redis client installed', () => {
  it('serves: ioredis is loaded only in cluster mode', async (t) => {
    const server = run(
      t,
      process.execPath,
      [NATTER_BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', tempDataDir(t)],
      withoutIoredis,
    );
    const port = Number((await server.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
    const [alice, bob] = await joinAll(t, port, ['alice', 'bob']);
    alice!.send({ cmd: '7', msg: 'no redis here' });
    assert.equal((await bob!.expect('70')).msg, 'no redis here');
    const carol = await joinChat(t, port, 'carol');
    carol.send({ cmd: '1' });
    assert.equal(((await carol.expect('10')).users as unknown[]).length, 3);
    server.proc.kill('SIGTERM');
    assert.equal(await server.exitCode(), 0);
    assert.doesNotMatch(server.stderr, /ioredis/);
  });

  it('--redis says clearly that the Redis client is missing', async (t) => {
    const server = run(
      t,
      process.execPath,
      [NATTER_BIN, 'serve', '--port', '0', '--redis', 'redis://127.0.0.1:6379'],
      withoutIoredis,
    );
    assert.equal(await server.exitCode(), 2);
    assert.match(server.stderr, /the Redis client \(the npm package ioredis\) is not installed/);
    assert.match(server.stderr, /npm install ioredis/);
  });
});
