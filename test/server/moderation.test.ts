import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, type ChatServer } from '../../src/chat-server.js';
import { RawClient, join, joinAll, startServer, type Msg } from '../helpers.js';
import { ROOT } from '../operators.js';

/** A member that is logged in as the operator root. */
async function operator(t: TestContext, server: ChatServer, nickname = 'op'): Promise<RawClient> {
  const op = await join(t, server, nickname);
  op.send({ cmd: '15', name: 'root', password: 'secret', id: 'oper' });
  assert.deepEqual(await op.next(), { cmd: '150', name: 'root', id: 'oper' });
  return op;
}

/** Connects from another loopback address (127.0.0.x), so that addresses tell clients apart. */
async function joinFrom(t: TestContext, server: ChatServer, from: string, nickname: string) {
  const socket = net.connect({ host: '127.0.0.1', port: server.port, localAddress: from });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  t.after(() => socket.destroy());
  const client = new RawClient(socket);
  client.send({ cmd: '0', nickname });
  return { client, first: await client.next() };
}

/** The next message that is not a room announcement (8, 30) or chat. */
async function answer(client: RawClient): Promise<Msg> {
  for (;;) {
    const m = await client.next();
    if (!['8', '30', '70'].includes(m.cmd)) return m;
  }
}

describe('operators', () => {
  it('OPER: a wrong password or name is refused alike; the right one makes an operator', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const alice = await join(t, server, 'alice');
    for (const attempt of [
      { name: 'root', password: 'wrong' },
      { name: 'nobody', password: 'secret' },
    ]) {
      alice.send({ cmd: '15', ...attempt });
      const refused = await alice.next();
      assert.equal(refused.cmd, '927');
      assert.equal(refused.error, 'OPER_FAILED');
      assert.equal(refused.fatal, undefined);
    }
    alice.send({ cmd: '15', name: 'root', password: 'secret' });
    assert.deepEqual(await alice.next(), { cmd: '150', name: 'root' });
  });

  it('OPER: after 5 failures an address is refused for a minute, also with the right password', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const alice = await join(t, server, 'alice');
    for (let i = 0; i < 5; i++) {
      alice.send({ cmd: '15', name: 'root', password: `guess ${i}` });
      assert.equal((await alice.next()).cmd, '927');
    }
    alice.send({ cmd: '15', name: 'root', password: 'secret' });
    const limited = await alice.next();
    assert.equal(limited.cmd, '916');
    assert.ok((limited.retryAfterMs as number) > 50_000);
  });

  it('everyone else gets NOT_PERMITTED for every action, and nothing happens', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    const requests = [
      { cmd: '16', nickname: 'bob' },
      { cmd: '17', nickname: 'bob' },
      { cmd: '18', nickname: 'bob', durationMs: 60_000 },
      { cmd: '19', nickname: 'bob' },
      { cmd: '23' },
      { cmd: '24' },
    ];
    for (const request of requests) {
      alice!.send({ ...request, id: request.cmd });
      assert.deepEqual(await alice!.next(), {
        cmd: '928',
        error: 'NOT_PERMITTED',
        reason: 'not permitted: only an operator may do this',
        request: request.cmd,
        id: request.cmd,
      });
    }
    bob!.send({ cmd: '7', msg: 'still here, still talking' });
    assert.equal((await alice!.next()).msg, 'still here, still talking');
  });

  it('an operator sees real addresses in USERS with --hide-addresses', async (t) => {
    const server = await startServer(t, { operators: [ROOT], hideAddresses: true });
    const alice = await join(t, server, 'alice');
    alice.send({ cmd: '1' });
    assert.deepEqual((await alice.next()).users, [['alice', 'hidden', 0]]);
    const op = await operator(t, server);
    op.send({ cmd: '1' });
    const rows = (await op.next()).users as [string, string, number][];
    assert.deepEqual(
      rows.map(([nickname, ip]) => [nickname, ip]),
      [
        ['alice', '127.0.0.1'],
        ['op', '127.0.0.1'],
      ],
    );
  });

  it('loses the role when a reloaded configuration no longer names it', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const op = await operator(t, server);
    server.reload({ operators: [], bannedPhrases: server.config.bannedPhrases });
    op.send({ cmd: '23' });
    assert.equal((await op.next()).cmd, '928');
  });
});

describe('KICK', () => {
  it('closes the member with who and why; its room gets 30; the operator gets 160', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    const op = await operator(t, server);
    await alice!.expect('8');
    await bob!.expect('8');
    op.send({ cmd: '16', nickname: 'BOB', reason: 'spamming', id: 1 });
    assert.deepEqual(await bob!.next(), {
      cmd: '929',
      error: 'KICKED',
      reason: 'kicked by root: spamming',
      by: 'root',
      fatal: true,
    });
    await bob!.waitClosed();
    assert.deepEqual(await alice!.next(), { cmd: '30', nickname: 'bob', userCount: 2 });
    assert.deepEqual(await answer(op), { cmd: '160', nickname: 'bob', id: 1 });
    op.send({ cmd: '16', nickname: 'bob' });
    assert.equal((await answer(op)).cmd, '930');
    op.send({ cmd: '16', nickname: 'op' });
    assert.equal((await answer(op)).field, 'nickname');
  });
});

describe('BAN', () => {
  it('a nickname: the member is closed at once, and a later CONNECT with it is refused', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    const op = await operator(t, server);
    op.send({ cmd: '17', nickname: 'bob', reason: 'trolling', id: 'b' });
    const banned = await answer(bob!);
    assert.equal(banned.cmd, '931');
    assert.equal(banned.error, 'BANNED');
    assert.equal(banned.by, 'root');
    assert.equal(banned.expiresAt, null);
    assert.equal(banned.reason, 'banned by root: trolling');
    await bob!.waitClosed();
    const ok = await answer(op);
    assert.equal(ok.cmd, '170');
    assert.deepEqual(ok.kicked, ['bob']);
    const ban = ok.ban as Record<string, unknown>;
    assert.equal(ban.nickname, 'bob');
    assert.equal(ban.reason, 'trolling');
    assert.equal(ban.by, 'root');
    assert.deepEqual(ok.bans, [ban]);
    // Case and look-alikes do not get round it.
    for (const nickname of ['BOB', 'Ｂob']) {
      const again = await RawClient.open(t, server);
      again.send({ cmd: '0', nickname });
      const refused = await again.next();
      assert.equal(refused.cmd, '931');
      assert.equal(refused.fatal, true);
      await again.waitClosed();
    }
    alice!.send({ cmd: '5', newNickname: 'Bob' });
    assert.equal((await answer(alice!)).cmd, '909');
  });

  it('an address or a CIDR block, with an expiry; a member elsewhere stays', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const op = await operator(t, server);
    const { client: mallory } = await joinFrom(t, server, '127.0.0.2', 'mallory');
    op.send({ cmd: '17', address: '127.0.0.2/31', durationMs: 400, reason: 'flood' });
    const banned = await mallory.next();
    assert.equal(banned.cmd, '931');
    assert.ok((banned.expiresAt as number) > Date.now());
    assert.match(banned.reason as string, /^banned by root until \d{4}-.*: flood$/);
    const ok = await answer(op);
    assert.equal((ok.ban as { address: string }).address, '127.0.0.2/31');
    assert.deepEqual(ok.kicked, ['mallory']);
    const refused = await joinFrom(t, server, '127.0.0.3', 'other');
    assert.equal(refused.first.cmd, '931');
    op.send({ cmd: '17', address: 'not an address' });
    assert.equal((await answer(op)).field, 'address');
    await sleep(450);
    const later = await joinFrom(t, server, '127.0.0.3', 'other');
    assert.equal(later.first.cmd, '03');
    // A block that holds the operator's own address closes everyone else in it, not the
    // operator who made it.
    op.send({ cmd: '17', address: '127.0.0.0/8' });
    const wide = await answer(op);
    assert.equal(wide.cmd, '170');
    assert.deepEqual(wide.kicked, ['other']);
    assert.equal((await later.client.next()).cmd, '931');
    await op.expectQuiet();
  });

  it('UNBAN lifts it, BANS lists what is active, AUDIT tells who did what to whom, why and when', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const op = await operator(t, server);
    const started = Date.now();
    op.send({ cmd: '17', nickname: 'carol', durationMs: 60_000, reason: 'rude' });
    op.send({ cmd: '17', address: '192.0.2.0/24' });
    op.send({ cmd: '18', nickname: 'dave', durationMs: 60_000, reason: 'shouting' });
    for (const cmd of ['170', '170', '180']) assert.equal((await answer(op)).cmd, cmd);
    op.send({ cmd: '23' });
    const list = await answer(op);
    assert.deepEqual(
      (list.bans as { nickname?: string; address?: string }[]).map((b) => b.nickname ?? b.address),
      ['192.0.2.0/24', 'carol'],
    );
    assert.deepEqual(
      (list.mutes as { nickname: string }[]).map((m) => m.nickname),
      ['dave'],
    );
    op.send({ cmd: '19', nickname: 'CAROL' });
    const lifted = await answer(op);
    assert.equal(lifted.cmd, '190');
    assert.deepEqual(
      (lifted.removed as { nickname: string }[]).map((b) => b.nickname),
      ['carol'],
    );
    const carol = await join(t, server, 'carol');
    assert.equal(carol.closed, false);
    op.send({ cmd: '19', nickname: 'nobody' });
    assert.deepEqual((await answer(op)).removed, []);
    op.send({ cmd: '24', limit: 3 });
    const page = await answer(op);
    assert.equal(page.more, true);
    const entries = page.entries as Record<string, unknown>[];
    assert.deepEqual(
      entries.map((e) => [e.action, e.by, e.target, e.reason]),
      [
        ['unban', 'root', 'carol', ''],
        ['mute', 'root', 'dave', 'shouting'],
        ['ban', 'root', '192.0.2.0/24', ''],
      ],
    );
    assert.ok(entries.every((e) => (e.at as number) >= started - 1000));
    op.send({ cmd: '24', before: entries[2]!.id });
    const older = await answer(op);
    assert.deepEqual(
      (older.entries as Record<string, unknown>[]).map((e) => [e.action, e.target]),
      [
        ['ban', 'carol'],
        ['oper', 'root'],
      ],
    );
    assert.equal(older.more, false);
  });
});

describe('UNBAN by id', () => {
  it('takes the ban’s id as banId, and the request its own id as ever', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const op = await operator(t, server);
    op.send({ cmd: '17', address: '198.51.100.0/24', id: 'made' });
    const made = await answer(op);
    const banId = (made.ban as { id: string }).id;
    op.send({ cmd: '19', banId, id: 'lift' });
    const lifted = await answer(op);
    assert.equal(lifted.id, 'lift');
    assert.deepEqual(
      (lifted.removed as { id: string }[]).map((b) => b.id),
      [banId],
    );
    op.send({ cmd: '23' });
    assert.deepEqual((await answer(op)).bans, []);
  });
});

describe('MUTE', () => {
  it('the member reads but may not chat, whisper or rename until it ends; 0 lifts it', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    const op = await operator(t, server);
    await alice!.expect('8');
    await bob!.expect('8');
    op.send({ cmd: '18', nickname: 'bob', durationMs: 60_000, reason: 'calm down' });
    const ok = await answer(op);
    assert.equal(ok.cmd, '180');
    assert.equal(ok.nickname, 'bob');
    assert.ok((ok.expiresAt as number) > Date.now() + 50_000);
    for (const request of [
      { cmd: '7', msg: 'hello?', id: 1 },
      { cmd: '2', to: 'alice', msg: 'psst' },
      { cmd: '5', newNickname: 'robert' },
    ]) {
      bob!.send(request);
      const refused = await bob!.next();
      assert.equal(refused.cmd, '932');
      assert.equal(refused.error, 'MUTED');
      assert.ok((refused.retryAfterMs as number) > 50_000);
      assert.equal(refused.by, 'root');
      assert.match(refused.reason as string, /^muted by root for another \d+s?.*: calm down$/);
    }
    // Bob still reads.
    alice!.send({ cmd: '7', msg: 'you can still hear me' });
    assert.equal((await bob!.next()).msg, 'you can still hear me');
    op.send({ cmd: '18', nickname: 'bob', durationMs: 0 });
    assert.deepEqual(await answer(op), { cmd: '180', nickname: 'bob', expiresAt: null });
    bob!.send({ cmd: '7', msg: 'thanks' });
    assert.equal((await alice!.next()).msg, 'thanks');
    // A ban made after a mute was lifted is a ban of its own (their ids count apart).
    op.send({ cmd: '17', nickname: 'bob' });
    assert.equal((await answer(bob!)).cmd, '931');
  });

  it('ends by itself', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    const op = await operator(t, server);
    await alice!.expect('8');
    op.send({ cmd: '18', nickname: 'bob', durationMs: 300 });
    assert.equal((await answer(op)).cmd, '180');
    bob!.send({ cmd: '7', msg: 'now?' });
    assert.equal((await answer(bob!)).cmd, '932');
    await sleep(350);
    bob!.send({ cmd: '7', msg: 'now.' });
    assert.equal((await alice!.next()).msg, 'now.');
  });
});

describe('moderation across a restart', () => {
  it('bans, mutes and the audit log are kept under the data directory', async (t) => {
    const dataDir = mkdtempSync(joinPath(tmpdir(), 'natter-moderation-'));
    t.after(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await createServer({
      host: '127.0.0.1',
      port: 0,
      http: false,
      dataDir,
      operators: [ROOT],
    });
    t.after(() => first.close());
    {
      const op = await operator(t, first);
      op.send({ cmd: '17', nickname: 'eve', durationMs: 3_600_000, reason: 'spam' });
      op.send({ cmd: '18', nickname: 'frank', durationMs: 3_600_000 });
      assert.equal((await answer(op)).cmd, '170');
      assert.equal((await answer(op)).cmd, '180');
    }
    await first.close();
    const second = await startServer(t, { dataDir, operators: [ROOT] });
    const eve = await RawClient.open(t, second);
    eve.send({ cmd: '0', nickname: 'eve' });
    const refused = await eve.next();
    assert.equal(refused.cmd, '931');
    assert.match(refused.reason as string, /^banned by root until .*: spam$/);
    const [alice, frank] = await joinAll(t, second, ['alice', 'frank']);
    frank!.send({ cmd: '7', msg: 'hello again' });
    assert.equal((await answer(frank!)).cmd, '932');
    const op = await operator(t, second);
    op.send({ cmd: '24' });
    const entries = (await answer(op)).entries as { action: string }[];
    assert.deepEqual(
      entries.map((e) => e.action),
      ['oper', 'mute', 'ban', 'oper'],
    );
    assert.equal(alice!.closed, false);
  });
});
