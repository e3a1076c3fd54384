import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { connect, type ChatClient, type ChatEvent, type ConnectOptions } from '../../src/index.js';
import { eventually, join, startServer } from '../helpers.js';
import { CuttingProxy } from './cutting-proxy.js';

type Chat = Extract<ChatEvent, { type: 'chat' }>;

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(joinPath(tmpdir(), 'natter-resume-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A reconnecting client, destroyed when the test ends. */
async function reconnecting(
  t: TestContext,
  port: number,
  nickname: string,
  initialDelayMs: number,
  extra: Partial<ConnectOptions> = {},
): Promise<ChatClient> {
  const client = await connect({
    host: '127.0.0.1',
    port,
    nickname,
    reconnect: { initialDelayMs, jitter: 0 },
    ...extra,
  });
  t.after(() => client.destroy());
  return client;
}

describe('history through the library', () => {
  it('chat() resolves with seq and ts; history() reads newest, before and after', async (t) => {
    const server = await startServer(t);
    const alice = await connect({ host: '127.0.0.1', port: server.port, nickname: 'alice' });
    const bob = await connect({ host: '127.0.0.1', port: server.port, nickname: 'bob' });
    t.after(() => (alice.destroy(), bob.destroy()));
    assert.deepEqual(alice.caps, ['whisper', 'history']);
    const seen: Chat[] = [];
    bob.on('chat', (e: Chat) => seen.push(e));
    const receipts = [];
    for (let i = 1; i <= 5; i++) receipts.push(await alice.chat(`m${i}`));
    assert.deepEqual(
      receipts.map((r) => r?.seq),
      [1, 2, 3, 4, 5],
    );
    await eventually(() => seen.length === 5, 'the five chats');
    assert.deepEqual(seen[3], { type: 'chat', from: 'alice', msg: 'm4', ...receipts[3] });

    const newest = await bob.history({ limit: 2 });
    assert.deepEqual(newest, {
      room: 'lobby',
      messages: [
        { seq: 4, ts: receipts[3]!.ts, from: 'alice', msg: 'm4' },
        { seq: 5, ts: receipts[4]!.ts, from: 'alice', msg: 'm5' },
      ],
      more: true,
      gap: false,
    });
    const older = await bob.history({ before: 4, limit: 10 });
    assert.deepEqual(
      older.messages.map((m) => m.msg),
      ['m1', 'm2', 'm3'],
    );
    assert.equal(older.more, false);
    const after = await bob.history({ after: 3 });
    assert.deepEqual(
      after.messages.map((m) => m.seq),
      [4, 5],
    );
    await assert.rejects(bob.history({ limit: 0 }), { code: '906' });
  });

  it('against a server with history off: chats as before, history() rejects ENOTSUP', async (t) => {
    const server = await startServer(t, { history: false });
    const alice = await connect({ host: '127.0.0.1', port: server.port, nickname: 'alice' });
    const raw = await join(t, server, 'raw', { caps: ['history'] });
    t.after(() => alice.destroy());
    assert.deepEqual(alice.caps, ['whisper']);
    assert.equal(await alice.chat('plain'), undefined);
    assert.deepEqual(await raw.next(), { cmd: '70', from: 'alice', msg: 'plain' });
    await assert.rejects(alice.history(), { code: 'ENOTSUP' });
  });
});

describe('reconnect and resume (real servers)', () => {
  it('is refused for a stream given already open, which cannot be opened again', async () => {
    const stream = new PassThrough();
    await assert.rejects(connect({ stream, nickname: 'x', reconnect: true }), { code: 'EINVAL' });
    stream.destroy();
  });

  it(
    'across a restart on the same data dir: every chat once and in order, those sent while down resent',
    { timeout: 30_000 },
    async (t) => {
      const dataDir = tempDir(t);
      const first = await startServer(t, { dataDir });
      const port = first.port;
      const sender = await reconnecting(t, port, 'sender', 50);
      // The receiver comes back well after the server does, so that it misses chats.
      const receiver = await reconnecting(t, port, 'receiver', 2500);
      const got: Chat[] = [];
      const kinds: string[] = [];
      receiver.on('chat', (e: Chat) => got.push(e));
      receiver.on('event', (e: ChatEvent) => kinds.push(e.type));
      for (const msg of ['a1', 'a2', 'a3']) await sender.chat(msg);
      await eventually(() => got.length === 3, 'the first chats');

      await first.close();
      await eventually(() => !sender.connected && !receiver.connected, 'both to notice');
      // Sent while there is no server: they wait for it.
      const whileDown = [sender.chat('a4'), sender.chat('a5')];
      const second = await startServer(t, { port, dataDir });
      const third = await connect({ host: '127.0.0.1', port: second.port, nickname: 'third' });
      t.after(() => third.destroy());
      await third.chat('c1');
      await third.chat('c2');
      const receipts = await Promise.all(whileDown);
      assert.equal(receiver.connected, false, 'the receiver was away all along');
      assert.ok(receipts.every((r) => r !== undefined && r.seq > 3));

      await eventually(() => receiver.connected, 'the receiver to be back');
      await sender.chat('a6');
      await third.chat('c3');
      await eventually(() => got.length >= 9, 'every chat');
      await new Promise((resolve) => setTimeout(resolve, 200));

      // Exactly the room's history, in its order: nothing lost, nothing twice.
      const history = await third.history({ limit: 50 });
      assert.deepEqual(
        got.map((e) => `${e.seq} ${e.from} ${e.msg}`),
        history.messages.map((m) => `${m.seq} ${m.from} ${m.msg}`),
      );
      assert.deepEqual(got.map((e) => e.msg).sort(), [
        'a1',
        'a2',
        'a3',
        'a4',
        'a5',
        'a6',
        'c1',
        'c2',
        'c3',
      ]);
      const bySeq = new Map(history.messages.map((m) => [m.msg, m.seq]));
      assert.deepEqual(
        receipts.map((r) => r!.seq),
        [bySeq.get('a4'), bySeq.get('a5')],
      );
      assert.ok(kinds.includes('reconnecting') && kinds.includes('reconnected'));
      assert.ok(!kinds.includes('gap'));
    },
  );

  it('a chat whose acknowledgement was lost is resent with its cid and delivered once', async (t) => {
    const server = await startServer(t);
    const proxy = await CuttingProxy.start(t, server.port);
    const receiver = await join(t, server, 'receiver');
    const sender = await reconnecting(t, proxy.port, 'sender', 50);
    const events: string[] = [];
    sender.on('event', (e: ChatEvent) => events.push(e.type));
    await receiver.expect('8');
    const before = await sender.chat('before');
    assert.equal(before?.seq, 1);
    // The CHAT reaches the server, which delivers and stores it; its 71 never reaches the client.
    proxy.cutAfter = 'lost ack';
    const lost = await sender.chat('lost ack');
    assert.equal(lost?.seq, 2, 'the first delivery, not a second one');
    await sender.chat('after');
    assert.equal(proxy.connections, 2);
    assert.deepEqual(events, ['reconnecting', 'reconnected']);

    assert.deepEqual(await receiver.next(), { cmd: '70', from: 'sender', msg: 'before' });
    assert.deepEqual(await receiver.next(), { cmd: '70', from: 'sender', msg: 'lost ack' });
    assert.deepEqual(await receiver.next(), { cmd: '30', nickname: 'sender', userCount: 1 });
    assert.deepEqual(await receiver.next(), { cmd: '8', nickname: 'sender', userCount: 2 });
    assert.deepEqual(await receiver.next(), { cmd: '70', from: 'sender', msg: 'after' });
    await receiver.expectQuiet();
  });
});
