/**
 * The web client in a real browser (Chromium, driven by playwright-core): pages and TCP clients
 * in one conversation, whispers, renames, rooms, a restarted server, markup as text, refusals.
 */
import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { connect, type ChatClient, type ChatEvent } from '../../src/client/index.js';
import { createServer, type ChatServer, type ChatServerOptions } from '../../src/chat-server.js';
import { eventually, startServer } from '../helpers.js';
import { testCertificates } from '../tls-certificates.js';
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

test('whispers go both ways, into other rooms too, and are shown as whispers', async (t) => {
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
  // A whisper reaches any room: moving away does not end it.
  await carol.client.joinRoom('elsewhere');
  await shows(page, /carol moved to elsewhere/);
  await page.locator('#whisper-bar', { hasText: 'Whispering to carol' }).waitFor();
  await say(page, 'still there?');
  await eventually(
    () => carol.events.some((e) => e.type === 'whisper' && e.msg === 'still there?'),
    'the whisper into another room',
  );
  await page.getByRole('button', { name: 'Stop whispering' }).click();
  await carol.client.whisper('alice', 'psst alice');
  await shows(page, /carol whispers\s*psst alice/);
  assert.equal(await page.locator('#messages li.whisper').count(), 3);
  // Answering a whisper from someone who is not in the room.
  await page.getByRole('button', { name: 'Whisper back to carol' }).click();
  assert.equal(await page.evaluate('document.activeElement?.id'), 'message');
  await say(page, 'yes');
  await eventually(
    () => carol.events.some((e) => e.type === 'whisper' && e.msg === 'yes'),
    'the reply',
  );
  // Back to the room.
  await page.getByRole('button', { name: 'Stop whispering' }).click();
  const dave = await tcpMember(t, server, 'dave');
  await say(page, 'to everyone');
  await eventually(
    () => dave.events.some((e) => e.type === 'chat' && e.msg === 'to everyone'),
    'dave to get the chat',
  );
  assert.ok(!carol.events.some((e) => e.type === 'chat' && e.msg === 'to everyone'));
});

test('the member list keeps the keyboard focus while members come and go', async (t) => {
  const browser = await needBrowser(t);
  if (!browser) return;
  const { server, url } = await webServer(t);
  const page = await openPage(t, browser, url);
  await logIn(page, 'alice');
  await tcpMember(t, server, 'bob');
  await page.getByRole('button', { name: 'bob' }).focus();
  await tcpMember(t, server, 'carol');
  await page.locator('#member-list li', { hasText: 'carol' }).waitFor();
  assert.equal(await page.evaluate('document.activeElement?.textContent'), 'bob');
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
  // In the member list, and in the whisper bar when chosen.
  await page.locator('#member-list button', { hasText: markupName }).click();
  assert.equal(await page.locator('#whisper-to').textContent(), markupName);
  await page.getByRole('button', { name: 'Stop whispering' }).click();
  // A room name with markup, in the list, the title, the window's title and the lines.
  await evil.client.joinRoom(markupRoom);
  await shows(page, /moved to <b>bold<\/b>/);
  await page.locator('#room-list button', { hasText: '<b>bold</b> (1/10)' }).click();
  await shows(page, /You are now in <b>bold<\/b>/);
  assert.equal(await page.locator('#room-title').textContent(), markupRoom);
  assert.match(await page.title(), /^<b>bold<\/b> – Natter$/);
  await evil.client.whisper('alice', markupMsg);
  await shows(page, /whispers.*window\.pwned=3/);
  const texts = await lines(page);
  assert.ok(texts.some((line) => line.includes(`${markupName} joined.`)));
  assert.ok(texts.some((line) => line.includes(markupMsg)));
  // Not one element was made from user text, anywhere on the page.
  const made = 'img, script, b, iframe, object';
  assert.equal(await page.locator(`body :is(${made})`).count(), 0);
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

test('the page reconnects after the server restarts, rejoining its room with its nickname', async (t) => {
  const browser = await needBrowser(t);
  if (!browser) return;
  const first = {
    host: '127.0.0.1',
    port: 0,
    http: true,
    httpPort: 0,
    logLevel: 'silent' as const,
  };
  let server = await createServer(first);
  t.after(() => server.close());
  // The restarted server takes the same ports, as a restarted process would.
  const again = { ...first, port: server.port, httpPort: server.webAddress!.port };
  const page = await openPage(t, browser, `http://127.0.0.1:${again.httpPort}/`);
  await logIn(page, 'alice');
  // What the page changed since it joined is what it rejoins with.
  await page.getByLabel('New room').fill('dev');
  await page.getByLabel('New room').press('Enter');
  await shows(page, /You are now in dev/);
  await page.getByLabel('New name').fill('alicia');
  await page.getByRole('button', { name: 'Rename' }).click();
  await shows(page, /You are now alicia/);
  await server.close();
  await shows(page, /The server is restarting\. Reconnecting in \d+ s/);
  // Unsent while disconnected: kept in the box, and the user is told.
  await say(page, 'kept for later');
  await page.locator('#compose-error', { hasText: /Not connected/ }).waitFor();
  assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), 'kept for later');
  server = await createServer(again);
  await page
    .locator('#messages li', { hasText: /Reconnected as alicia in dev/ })
    .waitFor({ timeout: 15_000 });
  const bob = await tcpMember(t, server, 'bob', 'dev');
  assert.deepEqual(
    (await bob.client.users()).map((u) => u.nickname),
    ['alicia', 'bob'],
  );
  await page.getByLabel('Message', { exact: true }).press('Enter');
  await eventually(
    () => bob.events.some((e) => e.type === 'chat' && e.msg === 'kept for later'),
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
  // The conversation has most of the screen; rooms and members open from the bar.
  const height = await page.locator('#messages').evaluate((e) => e.getBoundingClientRect().height);
  assert.ok(height > 700 * 0.5, `the conversation is ${height} px high`);
  assert.equal(await page.locator('#member-list').isVisible(), false);
  await page.getByRole('button', { name: 'Members' }).click();
  await page.getByRole('button', { name: 'bob' }).click();
  await page.locator('#whisper-bar', { hasText: 'Whispering to bob' }).waitFor();
  assert.equal(await page.locator('#member-list').isVisible(), false);
  await page.getByRole('button', { name: 'Rooms' }).click();
  await page.getByLabel('New room').fill('phones');
  await page.getByLabel('New room').press('Enter');
  await page.locator('#room-title', { hasText: 'phones' }).waitFor();
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

test('over HTTPS the page chats through WSS, with a TLS member and a TCP member', async (t) => {
  const browser = await needBrowser(t);
  if (!browser) return;
  const certificates = testCertificates();
  const { server } = await webServer(t, {
    tlsCert: certificates.server.cert,
    tlsKey: certificates.server.key,
  });
  const url = `https://127.0.0.1:${server.webAddress!.port}/`;
  const page = await openPage(t, browser, url, undefined, true);
  let socket = '';
  page.on('websocket', (ws) => (socket = ws.url()));
  await logIn(page, 'alice');
  assert.match(socket, /^wss:\/\/127\.0\.0\.1:\d+\/ws$/);
  const secure = await connect({
    host: '127.0.0.1',
    port: server.tlsAddresses[0]!.port,
    tls: { ca: certificates.ca },
    nickname: 'secure',
  });
  t.after(() => secure.destroy());
  const plain = await tcpMember(t, server, 'plain');
  const heard: string[] = [];
  secure.on('chat', (e: { msg: string }) => heard.push(e.msg));
  await say(page, 'over wss');
  await eventually(() => heard.includes('over wss'), 'the TLS member to get the chat');
  await eventually(
    () => plain.events.some((e) => e.type === 'chat' && e.msg === 'over wss'),
    'the TCP member to get the chat',
  );
  await secure.chat('over tls');
  await shows(page, /secure\s*over tls/);
});
