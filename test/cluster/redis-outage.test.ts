import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { RawClient, eventually, join } from '../helpers.js';
import { needRedis, redisConnection } from '../redis.js';
import { OwnRedis, startCluster, startNode } from './nodes.js';

describe('cluster: Redis restarts and foreign data', () => {
  it('while Redis is down, requests get 923; when it is back, nodes restore their members', async (t) => {
    if (!(await needRedis(t))) return;
    const redis = await OwnRedis.start(t);
    const prefix = `outage-${randomBytes(4).toString('hex')}`;
    const nodes = [await startNode(t, prefix, redis.url), await startNode(t, prefix, redis.url)];
    const [n1, n2] = nodes.map((n) => n.port) as [number, number];
    const alice = await join(t, n1, 'alice');
    const bob = await join(t, n2, 'bob');
    await alice.expect('8');

    await redis.down();
    // Requests that need Redis are refused explicitly, not dropped; connections stay open.
    await eventually(() => /redis/.test(nodes[0]!.child.stderr), 'node 1 to notice');
    alice.send({ cmd: '7', msg: 'into the void', id: 1 });
    const refusal = await alice.expect('923');
    assert.equal(refusal.error, 'BACKEND_UNAVAILABLE');
    assert.equal(refusal.id, 1);
    assert.equal(refusal.fatal, undefined);
    bob.send({ cmd: '1' });
    assert.equal((await bob.expect('923')).request, '1');
    const newcomer = await RawClient.open(t, n1);
    newcomer.send({ cmd: '0', nickname: 'newcomer' });
    assert.equal((await newcomer.expect('923')).request, '0');

    await redis.up(); // empty: every key was lost
    // The nodes reconnect by themselves and put their members back.
    for (let attempt = 0; ; attempt++) {
      bob.send({ cmd: '1' });
      const answer = await bob.next();
      if (answer.cmd === '10' && (answer.users as unknown[]).length === 2) break;
      assert.ok(attempt < 100, 'members restored');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    alice.send({ cmd: '7', msg: 'back again' });
    let m = await bob.next();
    while (m.cmd !== '70') m = await bob.next();
    assert.deepEqual(m, { cmd: '70', from: 'alice', msg: 'back again' });
    const impostor = await RawClient.open(t, n2);
    impostor.send({ cmd: '0', nickname: 'ALICE' });
    assert.equal((await impostor.next()).cmd, '01');
    newcomer.send({ cmd: '0', nickname: 'newcomer' });
    assert.equal((await newcomer.expect('03')).userCount, 3);
  });

  it('malformed and foreign data on the cluster channels is logged and dropped', async (t) => {
    const nodes = await startCluster(t, 2);
    if (!nodes) return;
    const [n1, n2] = nodes.map((n) => n.port) as [number, number];
    const alice = await join(t, n1, 'alice');
    const bob = await join(t, n2, 'bob');
    await alice.expect('8');
    // The cluster's key prefix is in the nodes' arguments.
    const args = nodes[0]!.child.proc.spawnargs;
    const keyPrefix = args[args.indexOf('--redis-prefix') + 1]!;
    const redis = redisConnection(t);
    const channels = await redis.pubsub('CHANNELS', `{${keyPrefix}}:*`);
    assert.ok(channels.length >= 3, channels.join(' ')); // the lobby and the two nodes
    for (const channel of channels as string[]) {
      for (const payload of [
        'garbage',
        'R\n{"cmd":"70"',
        'Rx\nnot a frame\n',
        'W{"to":1}',
        'Wnot json',
        '',
        '\u0000\u00ff',
      ]) {
        await redis.publish(channel, payload);
      }
    }
    alice.send({ cmd: '7', msg: 'still fine' });
    assert.deepEqual(await bob.next(), { cmd: '70', from: 'alice', msg: 'still fine' });
    await alice.expectQuiet();
    await bob.expectQuiet();
    await nodes[1]!.child.waitFor(/dropped \d+ malformed message/, 'stderr');
  });
});
