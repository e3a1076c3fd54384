import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultProxy } from '../../bench/chaos/fault-proxy.js';
import { RawClient, join, type Msg } from '../helpers.js';
import { REDIS_URL, needRedis } from '../redis.js';
import { joinWhenServing, startNode, type Node } from './nodes.js';

/** How long a node serves its members without an answered heartbeat (rule 9.14), with slack. */
const LEASE_BOUND_MS = 2500 + 1000;
/** How long until the other nodes reap a silent node (rule 9.6), with slack. */
const REAP_BOUND_MS = 3500 + 2500;

/**
 * Two nodes on the test Redis: `cut` reaches it through a fault proxy, `other` directly.
 * Resolves undefined when the test was skipped (no Redis).
 */
async function partitionable(
  t: TestContext,
): Promise<{ proxy: FaultProxy; cut: Node; other: Node } | undefined> {
  const prefix = await needRedis(t);
  if (!prefix) return undefined;
  const redis = new URL(REDIS_URL);
  const proxy = await FaultProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
  t.after(() => proxy.close());
  const cut = await startNode(t, prefix, proxy.url);
  const other = await startNode(t, prefix, REDIS_URL);
  return { proxy, cut, other };
}

/** Waits (bounded) for a message matching `match`, keeping everything before it in `seen`. */
async function until(client: RawClient, match: (m: Msg) => boolean, seen: Msg[]): Promise<Msg> {
  for (;;) {
    const message = await client.next('a matching message');
    seen.push(message);
    if (match(message)) return message;
  }
}

describe('cluster: a node cut off from Redis (rules 9.13, 9.14)', () => {
  it('a partition longer than the lease: its member is let go, and never speaks after its 30', async (t) => {
    const cluster = await partitionable(t);
    if (!cluster) return;
    const { proxy, cut, other } = cluster;
    const alice = await join(t, cut.port, 'alice');
    const bob = await join(t, other.port, 'bob');
    await alice.expect('8');
    alice.send({ cmd: '7', msg: 'before', id: 0 });
    assert.equal((await alice.expect('71')).id, 0);
    assert.equal((await bob.expect('70')).msg, 'before');

    // The network stops carrying anything between the cut node and Redis, and holds it.
    proxy.blackhole();
    const cutAt = Date.now();
    for (let i = 1; i <= 5; i++) alice.send({ cmd: '7', msg: `stale ${i}`, id: i });
    const aliceSaw: Msg[] = [];
    await until(alice, (m) => m.cmd === '925', aliceSaw);
    assert.ok(Date.now() - cutAt < LEASE_BOUND_MS, `told within the lease: ${Date.now() - cutAt}`);
    assert.deepEqual(
      aliceSaw.filter((m) => m.cmd === '71'),
      [],
      'no chat sent into the partition was acknowledged',
    );
    await alice.waitClosed();

    // The other node takes the cut node for dead: alice leaves, and her nickname is free.
    const bobSaw: Msg[] = [];
    const gone = await until(bob, (m) => m.cmd === '30', bobSaw);
    assert.equal(gone.nickname, 'alice');
    assert.ok(Date.now() - cutAt < REAP_BOUND_MS, `reaped in ${Date.now() - cutAt} ms`);
    const carol = await join(t, other.port, 'alice');
    assert.equal((await bob.next()).cmd, '8');

    // The partition heals: everything held reaches Redis late, and the fences refuse it.
    proxy.pass();
    await sleep(1500);
    carol.send({ cmd: '7', msg: 'from the new alice', id: 'n' });
    assert.equal((await carol.expect('71')).id, 'n');
    const after: Msg[] = [];
    await until(bob, (m) => m.cmd === '70' && m.msg === 'from the new alice', after);
    assert.deepEqual(after.slice(0, -1), [], 'nothing from the old alice, and no second 30');

    // The cut node serves again.
    const dave = await joinWhenServing(t, cut.port, 'dave');
    assert.equal((await bob.next()).cmd, '8');
    assert.equal((await carol.next()).cmd, '8');
    dave.send({ cmd: '7', msg: 'back', id: 'd' });
    assert.equal((await dave.expect('71')).id, 'd');
    assert.equal((await bob.expect('70')).msg, 'back');
  });

  it('a short partition ended by a reset: the member is told exactly what it missed', async (t) => {
    const cluster = await partitionable(t);
    if (!cluster) return;
    const { proxy, cut, other } = cluster;
    const alice = await join(t, cut.port, 'alice');
    const bob = await join(t, other.port, 'bob');
    await alice.expect('8');
    bob.send({ cmd: '7', msg: 'before', id: 0 });
    await bob.expect('71');
    assert.equal((await alice.expect('70')).msg, 'before');

    // Shorter than the lease: alice stays, but what Redis sends her node is held, then lost.
    proxy.blackhole();
    for (let i = 1; i <= 3; i++) {
      bob.send({ cmd: '7', msg: `missed ${i}`, id: i });
      assert.equal((await bob.expect('71')).id, i, 'the other node publishes as usual');
    }
    await sleep(500);
    proxy.reset();
    proxy.pass();

    // Her node reconnects and finds three numbers of the room missing: she is told so, with
    // no need for another message in the room.
    const gap = await alice.next('the gap event');
    assert.equal(gap.cmd, '73', JSON.stringify(gap));
    assert.equal(gap.room, 'lobby');
    assert.equal(Number(gap.to) - Number(gap.from) + 1, 3, JSON.stringify(gap));
    bob.send({ cmd: '7', msg: 'after', id: 4 });
    await bob.expect('71');
    assert.equal((await alice.expect('70')).msg, 'after');
    // Still a member, and still served.
    alice.send({ cmd: '7', msg: 'still here', id: 'a' });
    assert.equal((await alice.expect('71')).id, 'a');
    assert.equal((await bob.expect('70')).msg, 'still here');
  });
});
