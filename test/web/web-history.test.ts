/**
 * The web client and the room's history (docs/protocol.md, section 12) in a real browser: the
 * newest chats when a room opens, older pages when scrolling back, and a reconnect that fills
 * the hole without a line shown twice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { createServer, type ChatServer, type ChatServerOptions } from '../../src/chat-server.js';
import { connect, type ChatClient } from '../../src/client/index.js';
import { startServer } from '../helpers.js';
import { closeBrowser, logIn, needBrowser, openPage, say } from './browser.js';

after(closeBrowser);

/** A TCP member (the client library), gone when the test ends. */
async function member(
  t: TestContext,
  server: ChatServer,
  nickname: string,
  room?: string,
): Promise<ChatClient> {
  const client = await connect({ host: '127.0.0.1', port: server.port, nickname, room });
  t.after(() => client.destroy());
  return client;
}

/** The text of every chat line on the page (history and live), without the time. */
async function chatTexts(page: Page): Promise<string[]> {
  return page.locator('#messages li.chat .text').allInnerTexts();
}

async function shows(page: Page, pattern: RegExp): Promise<void> {
  await page.locator('#messages li', { hasText: pattern }).first().waitFor();
}

test('a room shows its recent history when it opens, and older pages as one scrolls back', async (t) => {
  const browser = await needBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { http: true, httpPort: 0 });
  const carol = await member(t, server, 'carol');
  for (let i = 0; i < 120; i++) await carol.chat(`m${i}`);
  const page = await openPage(t, browser, `http://127.0.0.1:${server.webAddress!.port}/`);
  await logIn(page, 'alice');
  // The newest 50, dimmed, before the line that says one joined.
  await page.locator('#messages li.history').nth(49).waitFor();
  assert.equal(await page.locator('#messages li.history').count(), 50);
  const texts = await page.locator('#messages li').allInnerTexts();
  const joinedAt = texts.findIndex((line) => /You joined as alice/.test(line));
  assert.match(texts[joinedAt - 1]!, /carol\s*m119/);
  assert.match(texts[0]!, /carol\s*m70/);
  // Each history line has its time.
  assert.equal(await page.locator('#messages li.history time').count(), 50);
  // Scrolling to the top fetches the older pages, until the first chat.
  for (const expected of [100, 120]) {
    await page.locator('#messages').evaluate((list) => (list.scrollTop = 0));
    await page
      .locator('#messages li.history')
      .nth(expected - 1)
      .waitFor();
  }
  await page.locator('#messages').evaluate((list) => (list.scrollTop = 0));
  const all = await chatTexts(page);
  assert.deepEqual(
    all,
    Array.from({ length: 120 }, (_, i) => `m${i}`),
  );
  // Live chats are not history, and one's own chat is shown once.
  await carol.chat('live');
  await shows(page, /carol\s*live/);
  await say(page, 'mine');
  await page.locator('#messages li.own:not(.pending)', { hasText: 'mine' }).waitFor();
  assert.equal(await page.locator('#messages li.history', { hasText: 'live' }).count(), 0);
  // Another room opens with its own history.
  const dave = await member(t, server, 'dave', 'garden');
  await dave.chat('in the garden');
  await page.getByLabel('New room').fill('garden');
  await page.getByLabel('New room').press('Enter');
  await shows(page, /You are now in garden/);
  await page.locator('#messages li.history', { hasText: 'in the garden' }).waitFor();
  const counts = new Map<string, number>();
  for (const text of await chatTexts(page)) counts.set(text, (counts.get(text) ?? 0) + 1);
  assert.deepEqual(
    [...counts].filter(([, n]) => n > 1),
    [],
    'no chat shown twice',
  );
});

test('a reconnect fills the hole from history: every chat once, in order', async (t) => {
  const browser = await needBrowser(t);
  if (!browser) return;
  const dataDir = mkdtempSync(join(tmpdir(), 'natter-web-history-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const base: ChatServerOptions = {
    host: '127.0.0.1',
    port: 0,
    http: true,
    httpPort: 0,
    dataDir,
    logLevel: 'silent',
  };
  let server = await createServer(base);
  t.after(() => server.close());
  const port = server.port;
  const httpPort = server.webAddress!.port;
  const page = await openPage(t, browser, `http://127.0.0.1:${httpPort}/`);
  await logIn(page, 'alice');
  let bob = await member(t, server, 'bob');
  for (const msg of ['before 1', 'before 2']) await bob.chat(msg);
  await shows(page, /bob\s*before 2/);
  // The server goes; for a while it is back on its chat port only, where the page cannot
  // reach it, and bob says more; then it is back where the page can.
  await server.close();
  await shows(page, /Reconnecting in \d+ s/);
  server = await createServer({ ...base, port });
  bob = await member(t, server, 'bob');
  for (const msg of ['away 1', 'away 2', 'away 3']) await bob.chat(msg);
  await server.close();
  server = await createServer({ ...base, port, httpPort });
  await page
    .locator('#messages li', { hasText: /Reconnected as alice/ })
    .waitFor({ timeout: 15_000 });
  await shows(page, /bob\s*away 3/);
  bob = await member(t, server, 'bob');
  await bob.chat('after');
  await shows(page, /bob\s*after/);
  assert.deepEqual(await chatTexts(page), [
    'before 1',
    'before 2',
    'away 1',
    'away 2',
    'away 3',
    'after',
  ]);
  // What was missed came after the line that says the page is back, with the times it was said.
  const texts = await page.locator('#messages li').allInnerTexts();
  const back = texts.findIndex((line) => /Reconnected as alice/.test(line));
  assert.ok(texts.findIndex((line) => /away 1/.test(line)) > back);
});
