/**
 * The browser build of the library (dist/web/natter-client.js, which `npm run build` bundles for
 * browsers), run here with the `ws` package's WebSocket standing in for the browser's: reconnect,
 * catch-up and resends over the browser's WebSocket adapter, from the code a page loads.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { WebSocket } from 'ws';
import type * as Browser from '../../src/client/browser.js';
import { eventually, startServer } from '../helpers.js';

const BUNDLE = new URL('../../web/natter-client.js', import.meta.url);

it('the browser build reconnects over WebSocket after a restart, catches up and resends', async (t) => {
  if (!existsSync(fileURLToPath(BUNDLE))) {
    if (process.env.CI === 'true') assert.fail(`${fileURLToPath(BUNDLE)} is not built`);
    return t.skip('dist/web/natter-client.js is not built: npm run build builds it');
  }
  const global = globalThis as { WebSocket?: unknown };
  const before = global.WebSocket;
  global.WebSocket = WebSocket;
  t.after(() => (global.WebSocket = before));
  const { connect } = (await import(BUNDLE.href)) as typeof Browser;

  const dataDir = mkdtempSync(joinPath(tmpdir(), 'natter-bundle-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startServer(t, { http: true, httpPort: 0, dataDir });
  const { port } = first;
  const httpPort = first.webAddress!.port;
  const url = `ws://127.0.0.1:${httpPort}/ws`;
  const dana = await connect({ url, nickname: 'dana', reconnect: { initialDelayMs: 50 } });
  // Eve comes back later than the server, and catches up on what she missed.
  const eve = await connect({ url, nickname: 'eve', reconnect: { initialDelayMs: 1500 } });
  t.after(() => (dana.destroy(), eve.destroy()));
  const heard: string[] = [];
  eve.on('chat', (e: { seq?: number; msg: string }) => heard.push(`${e.seq} ${e.msg}`));
  assert.deepEqual(await dana.chat('one'), { seq: 1, ts: (await eve.history()).messages[0]!.ts });

  await first.close();
  await eventually(() => !dana.connected && !eve.connected, 'both to notice');
  const later = dana.chat('two');
  await startServer(t, { port, http: true, httpPort, dataDir });
  assert.equal((await later)?.seq, 2);
  await eventually(() => heard.length === 2, 'both chats');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(heard, ['1 one', '2 two']);
});
