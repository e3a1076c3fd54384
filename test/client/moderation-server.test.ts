/**
 * The operator's commands of the client library against a real server: each method, its
 * errors, being kicked, banned and muted, and no reconnect after a kick or a ban.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatServer } from '../../src/chat-server.js';
import { connect, NatterError, type ChatClient, type ChatEvent } from '../../src/index.js';
import { eventually, startServer } from '../helpers.js';
import { ROOT } from '../operators.js';
import { CuttingProxy } from './cutting-proxy.js';

/** A member of `server` (through `port` when given), closed when the test ends. */
async function member(
  t: TestContext,
  server: ChatServer,
  nickname: string,
  options: { reconnect?: boolean; port?: number } = {},
): Promise<ChatClient> {
  const client = await connect({
    host: '127.0.0.1',
    port: options.port ?? server.port,
    nickname,
    heartbeatMs: 0,
    ...(options.reconnect ? { reconnect: { initialDelayMs: 200, jitter: 0 } } : {}),
  });
  t.after(() => client.destroy());
  return client;
}

/** A member logged in as the operator root. */
async function operator(t: TestContext, server: ChatServer, nickname = 'op'): Promise<ChatClient> {
  const op = await member(t, server, nickname);
  assert.deepEqual(await op.oper('root', 'secret'), { name: 'root' });
  return op;
}

/** The error `p` rejects with, which must be a NatterError. */
async function rejection(p: Promise<unknown>): Promise<NatterError> {
  const err = await p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof NatterError, String(err));
  return err;
}

/** Joins from another loopback address (127.0.0.x) over a stream of the test's own. */
async function memberFrom(
  t: TestContext,
  server: ChatServer,
  from: string,
  nickname: string,
): Promise<ChatClient> {
  const socket = net.connect({ host: '127.0.0.1', port: server.port, localAddress: from });
  t.after(() => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const client = await connect({ stream: socket, nickname, heartbeatMs: 0 });
  t.after(() => client.destroy());
  return client;
}

describe('moderation with the client library (real server)', () => {
  it('oper: a wrong password is refused, the right one makes an operator; others may not act', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const alice = await member(t, server, 'alice');
    await member(t, server, 'bob');
    const failed = await rejection(alice.oper('root', 'wrong'));
    assert.deepEqual([failed.code, failed.errorName], ['927', 'OPER_FAILED']);
    assert.equal(alice.operator, undefined);
    for (const action of [
      () => alice.kick('bob'),
      () => alice.ban({ nickname: 'bob' }),
      () => alice.mute('bob', 60_000),
      () => alice.unban({ nickname: 'bob' }),
      () => alice.bans(),
      () => alice.audit(),
    ]) {
      assert.equal((await rejection(action())).errorName, 'NOT_PERMITTED');
    }
    assert.deepEqual(await alice.oper('root', 'secret'), { name: 'root' });
    assert.equal(alice.operator, 'root');
  });

  it('kick: the member closes with KICKED, by and reason, and does not reconnect', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const op = await operator(t, server);
    const bob = await member(t, server, 'bob', { reconnect: true });
    const events: ChatEvent[] = [];
    bob.on('event', (e: ChatEvent) => events.push(e));
    assert.equal((await rejection(op.kick('nobody'))).errorName, 'NO_SUCH_MEMBER');
    assert.equal((await rejection(op.kick('op'))).code, '906', 'not oneself');

    assert.deepEqual(await op.kick('bob', 'spamming'), { nickname: 'bob' });
    const reason = await bob.closed();
    assert.ok(reason instanceof NatterError);
    assert.deepEqual(
      [reason.code, reason.errorName, reason.by, reason.reason],
      ['929', 'KICKED', 'root', 'kicked by root: spamming'],
    );
    await sleep(400); // twice the first reconnect's wait
    assert.equal(events.filter((e) => e.type === 'reconnecting').length, 0);
    assert.deepEqual(
      (await op.users()).map((u) => u.nickname),
      ['op'],
    );
  });

  it('ban: a nickname closes its member and is refused at CONNECT until unbanned', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const op = await operator(t, server);
    const bob = await member(t, server, 'bob', { reconnect: true });
    const before = Date.now();
    const result = await op.ban({ nickname: 'bob', durationMs: 3_600_000, reason: 'spamming' });
    assert.equal(result.ban.nickname, 'bob');
    assert.equal(result.ban.by, 'root');
    assert.equal(result.ban.reason, 'spamming');
    assert.ok(result.ban.expiresAt! >= before + 3_600_000);
    assert.deepEqual(result.bans, [result.ban]);
    assert.deepEqual(result.kicked, ['bob']);

    const reason = await bob.closed();
    assert.deepEqual([reason?.code, reason?.by], ['931', 'root']);
    assert.equal(reason?.expiresAt, result.ban.expiresAt);
    assert.match(reason?.reason ?? '', /^banned by root until .*: spamming$/);

    const refused = await rejection(member(t, server, 'BOB'));
    assert.deepEqual([refused.code, refused.expiresAt], ['931', result.ban.expiresAt]);

    const list = await op.bans();
    assert.deepEqual(
      list.bans.map((b) => b.id),
      [result.ban.id],
    );
    assert.deepEqual(list.mutes, []);
    const { removed } = await op.unban({ nickname: 'bob' });
    assert.deepEqual(
      removed.map((b) => b.id),
      [result.ban.id],
    );
    assert.deepEqual(await op.unban({ nickname: 'bob' }), { removed: [] });
    await member(t, server, 'bob');
  });

  it('ban: an address and a nickname at once; unban by id', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const op = await operator(t, server);
    const far = await memberFrom(t, server, '127.0.0.2', 'far');
    const { ban, bans, kicked } = await op.ban({ nickname: 'eve', address: '127.0.0.2/32' });
    assert.equal(ban.nickname, 'eve');
    assert.equal(ban.expiresAt, null);
    assert.deepEqual(
      bans.map((b) => b.nickname ?? b.address),
      ['eve', '127.0.0.2'],
    );
    assert.deepEqual(kicked, ['far']);
    assert.equal((await far.closed())?.code, '931');
    assert.equal((await rejection(memberFrom(t, server, '127.0.0.2', 'other'))).code, '931');
    const byAddress = bans.find((b) => b.address !== undefined)!;
    assert.deepEqual(
      (await op.unban({ id: byAddress.id })).removed.map((b) => b.id),
      [byAddress.id],
    );
    await memberFrom(t, server, '127.0.0.2', 'other');
  });

  it('a ban met on the way back: the reconnecting client gives up with BANNED', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const proxy = await CuttingProxy.start(t, server.port);
    const op = await operator(t, server);
    const bob = await member(t, server, 'bob', { reconnect: true, port: proxy.port });
    const events: ChatEvent[] = [];
    bob.on('event', (e: ChatEvent) => events.push(e));
    proxy.cutAfter = 'cut here';
    void bob.chat('cut here').catch(() => undefined);
    await eventually(() => events.some((e) => e.type === 'reconnecting'), 'the loss');
    await op.ban({ nickname: 'bob', reason: 'stay out' });
    const reason = await bob.closed();
    assert.deepEqual([reason?.code, reason?.by], ['931', 'root']);
    const attempts = proxy.connections;
    await sleep(500);
    assert.equal(proxy.connections, attempts, 'no attempt after the ban');
  });

  it('mute: chat, whisper and rename reject with MUTED and are not delivered; unmute', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const op = await operator(t, server);
    const bob = await member(t, server, 'bob', { reconnect: true });
    const heard: string[] = [];
    op.on('chat', (e: { msg: string }) => heard.push(e.msg));
    const muted = await op.mute('bob', 60_000, 'calm down');
    assert.equal(muted.nickname, 'bob');
    assert.ok(typeof muted.expiresAt === 'number' && muted.expiresAt > Date.now());

    const refused = await rejection(bob.chat('let me speak'));
    assert.deepEqual([refused.code, refused.errorName, refused.by], ['932', 'MUTED', 'root']);
    assert.ok(refused.retryAfterMs! > 0 && refused.retryAfterMs! <= 60_000);
    assert.equal(refused.expiresAt, muted.expiresAt);
    assert.equal((await rejection(bob.whisper('op', 'psst'))).code, '932');
    assert.equal((await rejection(bob.rename('robert'))).code, '932');
    assert.equal(bob.nickname, 'bob');

    const list = await op.bans();
    assert.deepEqual(
      list.mutes.map((m) => [m.nickname, m.by, m.reason, m.expiresAt]),
      [['bob', 'root', 'calm down', muted.expiresAt]],
    );
    assert.deepEqual(await op.unmute('bob'), { nickname: 'bob', expiresAt: null });
    await bob.chat('free again');
    await eventually(() => heard.includes('free again'), 'the chat after the unmute');
    assert.deepEqual(heard, ['free again'], 'the muted chat was never delivered');
    assert.equal(bob.connected, true);
  });

  it('the phrase filter: a refused chat rejects with 933, is not delivered, nor sent again', async (t) => {
    const server = await startServer(t, {
      bannedPhrases: ['refuse reads as an advert: buy followers', 'kick go outside: flame war'],
    });
    const alice = await member(t, server, 'alice');
    const bob = await member(t, server, 'bob', { reconnect: true });
    const heard: string[] = [];
    alice.on('chat', (e: { msg: string }) => heard.push(e.msg));
    const refused = await rejection(bob.chat('buy followers now'));
    assert.deepEqual([refused.code, refused.errorName], ['933', 'MESSAGE_REFUSED']);
    await bob.chat('fine now');
    await eventually(() => heard.includes('fine now'), 'the next chat');
    assert.deepEqual(heard, ['fine now']);

    // Kicked by the filter: the chat rejects with the kick, and the client stays away.
    const events: ChatEvent[] = [];
    bob.on('event', (e: ChatEvent) => events.push(e));
    assert.equal((await rejection(bob.chat('FLAME WAR!!'))).code, '929');
    const reason = await bob.closed();
    assert.deepEqual([reason?.code, reason?.by], ['929', 'server']);
    await sleep(400);
    assert.equal(events.filter((e) => e.type === 'reconnecting').length, 0);
  });

  it('audit: every action, newest first, page by page', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const op = await operator(t, server);
    await member(t, server, 'bob');
    await op.mute('bob', 60_000, 'calm');
    await op.unmute('bob');
    await op.ban({ nickname: 'carol', durationMs: 60_000 });
    await op.unban({ nickname: 'carol' });
    await op.kick('bob', 'bye');
    const { entries, more } = await op.audit();
    assert.equal(more, false);
    assert.deepEqual(
      entries.map((e) => [e.action, e.by, e.target]),
      [
        ['kick', 'root', 'bob'],
        ['unban', 'root', 'carol'],
        ['ban', 'root', 'carol'],
        ['unmute', 'root', 'bob'],
        ['mute', 'root', 'bob'],
        ['oper', 'root', 'root'],
      ],
    );
    const first = await op.audit({ limit: 2 });
    assert.equal(first.more, true);
    const next = await op.audit({ before: first.entries.at(-1)!.id, limit: 2 });
    assert.deepEqual(
      [...first.entries, ...next.entries].map((e) => e.id),
      entries.slice(0, 4).map((e) => e.id),
    );
  });
});
