import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { ChatServer } from '../../src/chat-server.js';
import { createClusterServer } from '../../src/cluster/index.js';
import { join } from '../helpers.js';
import { needRedis, REDIS_URL } from '../redis.js';

/** docs/protocol.md, section 12, in a cluster: one history per room, in Redis, for every node. */

const HISTORY = { caps: ['history'] };

async function node(t: TestContext, prefix: string): Promise<ChatServer> {
  const server = await createClusterServer({
    host: '127.0.0.1',
    port: 0,
    http: false,
    redis: REDIS_URL,
    redisPrefix: prefix,
  });
  t.after(() => server.close());
  return server;
}

describe('cluster history', () => {
  it('numbers a chat once for every node, answers a resend on another node as the first, pages from any node', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const a = await node(t, prefix);
    const b = await node(t, prefix);
    const alice = await join(t, a, 'alice', HISTORY);
    const bob = await join(t, b, 'bob', HISTORY);
    await alice.expect('8');
    const carol = await join(t, b, 'carol'); // a seed client on node B
    const dave = await join(t, a, 'dave'); // and one on node A
    await alice.expect('8');
    await alice.expect('8');
    await bob.expect('8');
    await bob.expect('8');
    await carol.expect('8');

    alice.send({ cmd: '7', msg: 'hello', id: 1, cid: 'c-1' });
    const ack = await alice.expect('71');
    assert.deepEqual(Object.keys(ack).sort(), ['cmd', 'id', 'seq', 'ts']);
    assert.equal(ack.seq, 1);
    const ts = ack.ts as number;
    assert.ok(Math.abs(ts - Date.now()) < 60_000, `Redis's time: ${ts}`);
    assert.deepEqual(await bob.expect('70'), {
      cmd: '70',
      from: 'alice',
      msg: 'hello',
      seq: 1,
      ts,
    });
    for (const seed of [carol, dave]) {
      assert.deepEqual(await seed.expect('70'), { cmd: '70', from: 'alice', msg: 'hello' });
      assert.ok(seed.raw.endsWith('{"cmd":"70","from":"alice","msg":"hello"}\n'));
    }

    // Alice's connection drops before she can tell; she comes back on node B and resends.
    alice.close();
    for (const member of [bob, carol, dave]) await member.expect('30');
    const again = await join(t, b, 'alice', HISTORY);
    for (const member of [bob, carol, dave]) await member.expect('8');
    again.send({ cmd: '7', msg: 'hello', id: 2, cid: 'c-1' });
    assert.deepEqual(await again.expect('71'), { cmd: '71', id: 2, seq: 1, ts });
    // Delivered to nobody: the next chat is the next anyone gets, numbered on from the first.
    again.send({ cmd: '7', msg: 'next', id: 3, cid: 'c-2' });
    const next = await again.expect('71');
    assert.equal(next.seq, 2);
    const nextTs = next.ts as number;
    assert.ok(nextTs >= ts);
    const expected = { cmd: '70', from: 'alice', msg: 'next', seq: 2, ts: nextTs };
    assert.deepEqual(await bob.expect('70'), expected);
    for (const seed of [carol, dave]) {
      assert.deepEqual(await seed.expect('70'), { cmd: '70', from: 'alice', msg: 'next' });
    }

    bob.send({ cmd: '14', id: 'h' });
    assert.deepEqual(await bob.expect('140'), {
      cmd: '140',
      room: 'lobby',
      messages: [
        { seq: 1, ts, from: 'alice', msg: 'hello' },
        { seq: 2, ts: nextTs, from: 'alice', msg: 'next' },
      ],
      more: false,
      gap: false,
      id: 'h',
    });
    dave.send({ cmd: '14', after: 1, limit: 1 });
    const resumed = await dave.expect('140');
    assert.deepEqual(resumed.messages, [{ seq: 2, ts: nextTs, from: 'alice', msg: 'next' }]);
    for (const member of [bob, carol, dave, again]) await member.expectQuiet();
  });

  it('with history off, grants no capability and answers HISTORY with 926', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const server = await createClusterServer({
      host: '127.0.0.1',
      port: 0,
      http: false,
      redis: REDIS_URL,
      redisPrefix: prefix,
      history: false,
    });
    t.after(() => server.close());
    const alice = await join(t, server, 'alice', HISTORY);
    const bob = await join(t, server, 'bob', HISTORY);
    await alice.expect('8');
    alice.send({ cmd: '7', msg: 'hi', id: 1, cid: 'c-1' });
    assert.deepEqual(await alice.expect('71'), { cmd: '71', id: 1 });
    assert.deepEqual(await bob.expect('70'), { cmd: '70', from: 'alice', msg: 'hi' });
    bob.send({ cmd: '14' });
    await bob.expect('926');
  });
});
