/**
 * The web client's operator controls in a real browser: logging in as operator, the Moderate
 * buttons only an operator sees, kicking, muting and banning from the member list, and how a
 * kicked, banned or muted user is told.
 */
import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import type { ChatServer } from '../../src/chat-server.js';
import { connect, type ChatClient } from '../../src/client/index.js';
import { startServer } from '../helpers.js';
import { ROOT } from '../operators.js';
import { closeBrowser, logIn, needBrowser, openPage, say } from './browser.js';

after(closeBrowser);

async function webServer(t: TestContext): Promise<{ server: ChatServer; url: string }> {
  const server = await startServer(t, { http: true, httpPort: 0, operators: [ROOT] });
  return { server, url: `http://127.0.0.1:${server.webAddress!.port}/` };
}

async function tcpMember(
  t: TestContext,
  server: ChatServer,
  nickname: string,
): Promise<ChatClient> {
  const client = await connect({ host: '127.0.0.1', port: server.port, nickname });
  t.after(() => client.destroy());
  return client;
}

async function shows(page: Page, pattern: RegExp): Promise<void> {
  await page.locator('#messages li', { hasText: pattern }).first().waitFor();
}

/** Opens the Operator box and logs in with the labelled fields. */
async function operLogIn(page: Page, password: string): Promise<void> {
  if (!(await page.getByLabel('Operator name').isVisible())) {
    await page.locator('#oper-box summary').click();
  }
  await page.getByLabel('Operator name').fill('root');
  await page.getByLabel('Operator password').fill(password);
  await page.getByRole('button', { name: 'Log in as operator' }).click();
}

test('an operator kicks, mutes and bans from the member list; others see no such controls', async (t) => {
  const browser = await needBrowser(t);
  if (!browser) return;
  const { server, url } = await webServer(t);
  const op = await openPage(t, browser, url);
  const bob = await openPage(t, browser, url);
  await logIn(op, 'op');
  await logIn(bob, 'bob');
  const carol = await tcpMember(t, server, 'carol');
  await op.locator('#member-list li', { hasText: 'carol' }).waitFor();

  // Nobody has Moderate buttons before OPER; a wrong password is told, and changes nothing.
  assert.equal(await op.getByRole('button', { name: /^Moderate / }).count(), 0);
  await operLogIn(op, 'wrong');
  await op.locator('#oper-error', { hasText: 'Wrong operator name or password.' }).waitFor();
  assert.equal(await op.getByRole('button', { name: /^Moderate / }).count(), 0);
  await operLogIn(op, 'secret');
  await op.locator('#oper-status', { hasText: 'You are an operator (root).' }).waitFor();
  await op.getByRole('button', { name: 'Moderate carol' }).waitFor();
  await op.getByRole('button', { name: 'Moderate bob' }).waitFor();
  assert.equal(await op.getByRole('button', { name: 'Moderate op' }).count(), 0, 'not oneself');
  assert.equal(await op.getByLabel('Operator password').isVisible(), false);
  // The other page is no operator: no controls, whatever happens on the operator's.
  await bob.locator('#member-list li', { hasText: 'carol' }).waitFor();
  assert.equal(await bob.getByRole('button', { name: /^Moderate / }).count(), 0);
  assert.equal(await bob.locator('#moderate-form').isVisible(), false);

  // Mute bob for 5 minutes: bob's next message is refused, and bob is told for how long.
  await op.getByRole('button', { name: 'Moderate bob' }).click();
  await op.locator('#moderate-title', { hasText: 'Moderate bob' }).waitFor();
  await op.getByLabel('Mute for').selectOption({ label: '5 minutes' });
  await op.getByRole('button', { name: 'Mute', exact: true }).click();
  await shows(op, /You muted bob for 5 minutes\./);
  await say(bob, 'can you hear me');
  await bob
    .locator('#compose-error', {
      hasText:
        /^You are muted by root for another (4 minutes \d+ seconds|5 minutes): your message was not sent\.$/,
    })
    .waitFor();
  await bob.locator('#messages li.own.failed', { hasText: 'can you hear me' }).waitFor();
  await op.getByRole('button', { name: 'Unmute' }).click();
  await shows(op, /bob is no longer muted\./);
  await say(bob, 'free again');
  await shows(op, /bob\s*free again/);

  // Kick carol (a TCP member), with a reason.
  await op.getByRole('button', { name: 'Moderate carol' }).click();
  await op.getByLabel('Reason').fill('spamming');
  await op.getByRole('button', { name: 'Kick' }).click();
  await shows(op, /You kicked carol\./);
  const kicked = await carol.closed();
  assert.deepEqual(
    [kicked?.code, kicked?.by, kicked?.reason],
    ['929', 'root', 'kicked by root: spamming'],
  );
  assert.equal(await op.locator('#moderate-form').isVisible(), false, 'the panel closes');

  // Ban bob for a day: bob's page ends the session and says so; joining again is refused.
  await op.getByRole('button', { name: 'Moderate bob' }).click();
  await op.getByLabel('Ban for').selectOption({ label: '1 day' });
  await op.getByLabel('Reason').fill('enough');
  await op.getByRole('button', { name: 'Ban' }).click();
  await shows(op, /You banned bob for 1 day\. Disconnected: bob\./);
  await bob
    .locator('#login-error', { hasText: /^You are banned by root until .+: enough\.$/ })
    .waitFor();
  assert.equal(await bob.getByLabel('Message', { exact: true }).isVisible(), false);
  await bob.getByLabel('Nickname', { exact: true }).fill('bob');
  await bob.getByLabel('Nickname', { exact: true }).press('Enter');
  await bob
    .locator('#login-error', { hasText: /^You are banned by root until .+: enough\.$/ })
    .waitFor();
});

test('a kicked page says who kicked it and why, and does not reconnect', async (t) => {
  const browser = await needBrowser(t);
  if (!browser) return;
  const { server, url } = await webServer(t);
  const op = await tcpMember(t, server, 'op');
  await op.oper('root', 'secret');
  const page = await openPage(t, browser, url);
  await logIn(page, 'dave');
  await op.kick('dave', 'off topic');
  await page.locator('#login-error', { hasText: 'You were kicked by root: off topic.' }).waitFor();
  // The conversation (hidden with the chat, until the next login) keeps the line.
  await page
    .locator('#messages li', { hasText: 'Disconnected. You were kicked by root: off topic.' })
    .waitFor({ state: 'attached' });
  await new Promise((resolve) => setTimeout(resolve, 800));
  assert.equal(await page.locator('#messages li', { hasText: /Reconnect/ }).count(), 0);
  assert.deepEqual(
    (await op.users()).map((u) => u.nickname),
    ['op'],
  );
});
