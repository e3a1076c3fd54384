/**
 * The web client in a real browser (Chromium, driven by playwright-core): pages and TCP clients
 * in one conversation, whispers, renames, rooms, a restarted server, markup as text, refusals.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { connect, type ChatClient, type ChatEvent } from '../../src/client/index.js';
import { createServer, type ChatServer, type ChatServerOptions } from '../../src/chat-server.js';
import { eventually, startServer } from '../helpers.js';
import { closeBrowser, logIn, needBrowser, openPage, say } from './browser.js';

after(closeBrowser);

/** A server with its HTTP listener, and the web client's URL. */
async function webServer(
  t: TestContext,
  options: ChatServerOptions = {},
): Promise<{ server: ChatServer; url: string }> {
  const server = await startServer(t, { http: true, httpPort: 0, ...options });
  return { server, url: `http://127.0.0.1:${server.webAddress!.port}/` };
}

/** A TCP member (the client library), and every event it receives. */
async function tcpMember(
  t: TestContext,
  server: ChatServer,
  nickname: string,
  room?: string,
): Promise<{ client: ChatClient; events: ChatEvent[] }> {
  const client = await connect({ host: '127.0.0.1', port: server.port, nickname, room });
  t.after(() => client.destroy());
  const events: ChatEvent[] = [];
  client.on('event', (e: ChatEvent) => events.push(e));
  return { client, events };
}

/** The conversation's text, line by line. */
function lines(page: Page): Promise<string[]> {
  return page.locator('#messages li').allInnerTexts();
}

async function shows(page: Page, pattern: RegExp): Promise<void> {
  await page.locator('#messages li', { hasText: pattern }).first().waitFor();
}

test('two pages and a TCP client chat with each other, every way', async (t) => {
  const browser = await needBrowser(t);
  if (!browser) return;
  const { server, url } = await webServer(t);
  const alice = await openPage(t, browser, url);
  const bob = await openPage(t, browser, url);
  await logIn(alice, 'alice');
  await logIn(bob, 'bob');
  const carol = await tcpMember(t, server, 'carol');
  await shows(alice, /carol joined/);

  await say(alice, 'hello from alice');
  await shows(bob, /alice\s*hello from alice/);
  await eventually(
    () => carol.events.some((e) => e.type === 'chat' && e.msg === 'hello from alice'),
    'carol to get alice',
  );
  await say(bob, 'hello from bob');
  await shows(alice, /bob\s*hello from bob/);
  await carol.client.chat('hello from carol');
  await shows(alice, /carol\s*hello from carol/);
  await shows(bob, /carol\s*hello from carol/);

  // Own messages are marked, and once the server accepted them no longer pending.
  const own = alice.locator('#messages li.own', { hasText: 'hello from alice' });
  await own.waitFor();
  await alice.locator('#messages li.own:not(.pending)', { hasText: 'hello from alice' }).waitFor();
  // Every line has its time.
  const times = await alice.locator('#messages li time').count();
  assert.equal(times, await alice.locator('#messages li').count());
  // The members, the rooms with their counts, the round-trip time in its corner.
  await alice.locator('#member-list li', { hasText: 'carol' }).waitFor();
  assert.deepEqual(
    (await alice.locator('#member-list li').allInnerTexts()).map((s) => s.trim()),
    ['alice (you)', 'bob', 'carol'],
  );
  await alice.locator('#room-list', { hasText: 'lobby (3/10)' }).waitFor();
  await alice.locator('#rtt', { hasText: /^\d+(\.\d)? ms$/ }).waitFor();
});

test('whispers go both ways and are shown as whispers', async (t) => {
  const browser = await needBrowser(t);
  if (!browser) return;
  const { server, url } = await webServer(t);
  const page = await openPage(t, browser, url);
  await logIn(page, 'alice');
  const carol = await tcpMember(t, server, 'carol');
  await page.getByRole('button', { name: 'carol' }).click();
  await page.locator('#whisper-bar', { hasText: 'Whispering to carol' }).waitFor();
  await say(page, 'psst carol');
  await eventually(
    () => carol.events.some((e) => e.type === 'whisper' && e.from === 'alice'),
    'carol to get the whisper',
  );
  await shows(page, /You whisper to carol\s*psst carol/);
  await carol.client.whisper('alice', 'psst alice');
  await shows(page, /carol whispers\s*psst alice/);
  assert.equal(await page.locator('#messages li.whisper').count(), 2);
  // Back to the room.
  await page.getByRole('button', { name: 'Stop whispering' }).click();
  await say(page, 'to everyone');
  await eventually(
    () => carol.events.some((e) => e.type === 'chat' && e.msg === 'to everyone'),
    'carol to get the chat',
  );
});

test('a rename shows everywhere, and the renamed member keeps chatting', async (t) => {
  const browser = await needBrowser(t);
  if (!browser) return;
  const { server, url } = await webServer(t);
  const alice = await openPage(t, browser, url);
  const bob = await openPage(t, browser, url);
  await logIn(alice, 'alice');
  await logIn(bob, 'bob');
  const carol = await tcpMember(t, server, 'carol');
  await alice.getByLabel('New name').fill('alicia');
  await alice.getByRole('button', { name: 'Rename' }).click();
  await shows(alice, /You are now alicia/);
  await shows(bob, /alice is now alicia/);
  await bob.locator('#member-list li', { hasText: 'alicia' }).waitFor();
  await eventually(
    () => carol.events.some((e) => e.type === 'rename' && e.newNickname === 'alicia'),
    'carol to see the rename',
  );
  await carol.client.rename('caroline');
  await shows(alice, /carol is now caroline/);
  await say(alice, 'new name, same me');
  await shows(bob, /alicia\s*new name, same me/);
  // A taken name is refused with a sentence.
  await alice.getByLabel('New name').fill('bob');
  await alice.getByRole('button', { name: 'Rename' }).click();
  await alice.locator('#compose-error', { hasText: /“bob” is taken/ }).waitFor();
});

test('rooms: create one, switch, and members follow', async (t) => {
  const browser = await needBrowser(t);
  if (!browser) return;
  const { server, url } = await webServer(t);
  const alice = await openPage(t, browser, url);
  const bob = await openPage(t, browser, url);
  await logIn(alice, 'alice');
  await logIn(bob, 'bob');
  const carol = await tcpMember(t, server, 'carol');
  await alice.getByLabel('New room').fill('dev');
  await alice.getByLabel('New room').press('Enter');
  await shows(alice, /You are now in dev/);
  await alice.locator('#room-title', { hasText: 'dev' }).waitFor();
  await shows(bob, /alice moved to dev/);
  await eventually(
    () => carol.events.some((e) => e.type === 'move' && e.nickname === 'alice' && e.room === 'dev'),
    'carol to see alice move',
  );
  assert.deepEqual(
    (await alice.locator('#member-list li').allInnerTexts()).map((s) => s.trim()),
    ['alice (you)'],
  );
  // Bob follows by choosing the room in the list.
  await bob.locator('#room-list button', { hasText: 'dev (1/10)' }).click();
  await shows(alice, /bob joined/);
  await alice.locator('#member-list li', { hasText: 'bob' }).waitFor();
  await say(bob, 'in dev now');
  await shows(alice, /bob\s*in dev now/);
  assert.ok(!carol.events.some((e) => e.type === 'chat' && e.msg === 'in dev now'));
  // Leaving goes back to the lobby.
  await alice.getByRole('button', { name: 'Leave room' }).click();
  await shows(alice, /You are now in lobby/);
  await alice.locator('#member-list li', { hasText: 'carol' }).waitFor();
});

test('markup in nicknames, room names and messages is shown as text and runs nothing', async (t) => {
  const browser = await needBrowser(t);
  if (!browser) return;
  const { server, url } = await webServer(t);
  const page = await openPage(t, browser, url);
  await logIn(page, 'alice');
  const markupName = '<img/src=x/onerror=pwned=1>';
  const markupRoom = '<b>bold</b>';
  const markupMsg = '<script>window.pwned=2</script><img src=x onerror="window.pwned=3"> & &amp;';
  const evil = await tcpMember(t, server, markupName);
  await evil.client.chat(markupMsg);
  await shows(page, /window\.pwned=3/);
  await evil.client.joinRoom(markupRoom);
  await shows(page, /moved to <b>bold<\/b>/);
  await page.locator('#room-list', { hasText: '<b>bold</b> (1/10)' }).waitFor();
  const texts = await lines(page);
  assert.ok(texts.some((line) => line.includes(`${markupName} joined.`)));
  assert.ok(texts.some((line) => line.includes(markupMsg)));
  assert.equal(await page.locator('#messages img, #messages script, #messages b').count(), 0);
  assert.equal(await page.locator('#room-list b, #member-list img').count(), 0);
  assert.equal(await page.evaluate('window.pwned'), undefined);
});

test('Korean, emoji and right-to-left text arrive intact, each in its own direction', async (t) => {
  const browser = await needBrowser(t);
  if (!browser) return;
  const { server, url } = await webServer(t);
  const page = await openPage(t, browser, url);
  await logIn(page, '민수');
  const sara = await tcpMember(t, server, 'سارة');
  const text = 'مرحبا 안녕하세요 👋🏽 family: 👨‍👩‍👧';
  await sara.client.chat(text);
  const line = page.locator('#messages li', { hasText: '안녕하세요' });
  await line.waitFor();
  assert.equal(await line.locator('.text').textContent(), text);
  assert.equal(await line.locator('.from').textContent(), 'سارة');
  assert.equal(await line.locator('.text').getAttribute('dir'), 'auto');
  await say(page, '반가워요 😀');
  await eventually(
    () => sara.events.some((e) => e.type === 'chat' && e.msg === '반가워요 😀'),
    'the Korean reply',
  );
});

test('a taken nickname and a full room are refused with a sentence', async (t) => {
  const browser = await needBrowser(t);
  if (!browser) return;
  const { server, url } = await webServer(t, { maxUsers: 2 });
  await tcpMember(t, server, 'alice');
  const page = await openPage(t, browser, url);
  await page.getByLabel('Nickname', { exact: true }).fill('ALICE');
  await page.getByRole('button', { name: 'Join' }).click();
  await page
    .locator('#login-error', { hasText: '“ALICE” is taken. Choose another nickname.' })
    .waitFor();
  await tcpMember(t, server, 'bob');
  await page.getByLabel('Nickname', { exact: true }).fill('zed');
  await page.getByRole('button', { name: 'Join' }).click();
  await page.locator('#login-error', { hasText: 'That room is full.' }).waitFor();
  await page.getByLabel('Nickname', { exact: true }).fill('a b');
  await page.getByRole('button', { name: 'Join' }).click();
  await page.locator('#login-error', { hasText: /“a b” cannot be used: / }).waitFor();
  assert.equal(await page.locator('#chat').isHidden(), true);
});

/** A port free now on 127.0.0.1 (so a restarted server can take the same one). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

test('the page reconnects after the server restarts, rejoining its room with its nickname', async (t) => {
  const browser = await needBrowser(t);
  if (!browser) return;
  const [port, httpPort] = [await freePort(), await freePort()];
  const options = { host: '127.0.0.1', port, http: true, httpPort, logLevel: 'silent' as const };
  let server = await createServer(options);
  t.after(() => server.close());
  const page = await openPage(t, browser, `http://127.0.0.1:${httpPort}/`);
  await logIn(page, 'alice', 'dev');
  await page.locator('#room-title', { hasText: 'dev' }).waitFor();
  await server.close();
  await shows(page, /The server is restarting\. Reconnecting in \d+ s/);
  server = await createServer(options);
  await shows(page, /Reconnected as alice in dev/);
  const bob = await tcpMember(t, server, 'bob', 'dev');
  assert.deepEqual(
    (await bob.client.users()).map((u) => u.nickname),
    ['alice', 'bob'],
  );
  await say(page, 'back again');
  await eventually(
    () => bob.events.some((e) => e.type === 'chat' && e.msg === 'back again'),
    'bob to get the chat after the restart',
  );
});

test('on a phone-sized screen, with the keyboard alone: join, send, new lines, dark mode', async (t) => {
  const browser = await needBrowser(t);
  if (!browser) return;
  const { server, url } = await webServer(t);
  const bob = await tcpMember(t, server, 'bob');
  const page = await openPage(t, browser, url, { width: 375, height: 700 });
  await page.keyboard.press('Tab'); // to the Nickname field, the first on the page
  assert.equal(await page.evaluate('document.activeElement?.id'), 'nickname');
  await page.keyboard.type('alice');
  await page.keyboard.press('Enter');
  await page.getByLabel('Message', { exact: true }).waitFor();
  // After joining, the message box has the focus: type, Shift+Enter, type, Enter.
  assert.equal(await page.evaluate('document.activeElement?.id'), 'message');
  await page.keyboard.type('two');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('lines');
  await page.keyboard.press('Enter');
  await eventually(
    () => bob.events.some((e) => e.type === 'chat' && e.msg === 'two\nlines'),
    'one message of two lines',
  );
  // Nothing is wider than the screen.
  const overflow = await page.evaluate(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  );
  assert.equal(overflow, 0);
  // New lines are announced to screen readers.
  assert.equal(await page.locator('#messages').getAttribute('aria-live'), 'polite');
  // Light and dark follow the system.
  const background = () =>
    page.evaluate('getComputedStyle(document.documentElement).backgroundColor');
  await page.emulateMedia({ colorScheme: 'light' });
  const light = await background();
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.notEqual(await background(), light);
});
