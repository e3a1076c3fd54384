import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import type { ChatServer } from '../../src/chat-server.js';
import { createClusterServer } from '../../src/cluster/index.js';
import { connect, type ChatEvent } from '../../src/index.js';
import { CuttingProxy } from '../client/cutting-proxy.js';
import { eventually } from '../helpers.js';
import { needRedis, REDIS_URL } from '../redis.js';

/** The client library's reconnect in a cluster: the history it catches up from is in Redis. */

type Chat = Extract<ChatEvent, { type: 'chat' }>;

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

it(
  'a client moved from node A to node B catches up from the shared history, and its resend is recognised there',
  { timeout: 30_000 },
  async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const a = await node(t, prefix);
    const b = await node(t, prefix);
    // A load balancer in front: the client reaches node A through it, then node B.
    const balancer = await CuttingProxy.start(t, a.port);
    const mover = await connect({
      host: '127.0.0.1',
      port: balancer.port,
      nickname: 'mover',
      reconnect: { initialDelayMs: 1000, jitter: 0 },
    });
    const stayer = await connect({ host: '127.0.0.1', port: b.port, nickname: 'stayer' });
    t.after(() => (mover.destroy(), stayer.destroy()));
    const moverHeard: Chat[] = [];
    mover.on('chat', (e: Chat) => moverHeard.push(e));
    const stayerHeard: string[] = [];
    stayer.on('chat', (e: Chat) => stayerHeard.push(e.msg));

    await stayer.chat('s1');
    await eventually(() => moverHeard.length === 1, 's1 on node A');
    // Node A gets the chat, then loses the client before its 71; the client comes back on B.
    balancer.target = b.port;
    balancer.cutAfter = 'lost ack';
    const lost = mover.chat('lost ack');
    await eventually(() => !mover.connected, 'the loss');
    await stayer.chat('s2'); // while the mover is away
    assert.equal((await lost)?.seq, 2, 'answered on B with the number A gave it');
    assert.equal(mover.connected, true);
    await stayer.chat('s3');
    await eventually(() => moverHeard.length === 3, 'the chats of node B');
    await new Promise((resolve) => setTimeout(resolve, 200));

    const history = await mover.history();
    assert.deepEqual(
      history.messages.map((m) => `${m.seq} ${m.from} ${m.msg}`),
      ['1 stayer s1', '2 mover lost ack', '3 stayer s2', '4 stayer s3'],
    );
    // Its own chat is not given back to it; the rest exactly once, in order.
    assert.deepEqual(
      moverHeard.map((e) => `${e.seq} ${e.msg}`),
      ['1 s1', '3 s2', '4 s3'],
    );
    assert.deepEqual(stayerHeard, ['lost ack']);
    assert.equal(balancer.connections, 2);
  },
);
