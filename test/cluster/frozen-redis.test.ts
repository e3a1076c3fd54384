import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { RawClient, join } from '../helpers.js';
import { needRedis } from '../redis.js';
import { OwnRedis, joinWhenServing, startNode } from './nodes.js';

/** How long a request that needs Redis may wait for its answer (rule 9.8), with some slack. */
const BOUND_MS = 2000 + 1000;
/** How long a node serves its members without an answered heartbeat (rule 9.14), with slack. */
const LEASE_BOUND_MS = 2500 + 1000;

describe('cluster: a frozen Redis (rules 9.8, 9.14)', () => {
  it('answers within the bound, stops serving after its lease, and nothing refused happens later', async (t) => {
    if (!(await needRedis(t))) return;
    const redis = await OwnRedis.start(t);
    const node = await startNode(t, `f-${randomBytes(4).toString('hex')}`, redis.url);
    const sender = await join(t, node.port, 'sender');
    const reader = await join(t, node.port, 'reader');
    await sender.expect('8');
    sender.send({ cmd: '7', msg: 'before', id: 1 });
    assert.equal((await sender.expect('71')).id, 1);
    assert.equal((await reader.expect('70')).msg, 'before');

    // Redis neither answers nor resets (SIGSTOP).
    const thaw = await redis.freeze(t);
    const frozenAt = Date.now();
    sender.send({ cmd: '7', msg: 'during', id: 2 });
    const newcomer = await RawClient.open(t, node.port);
    newcomer.send({ cmd: '0', nickname: 'newcomer', id: 'c' });
    // The chat was sent to Redis and never answered: whether it was published cannot be known,
    // so it is neither acknowledged nor refused; the member is disconnected (925).
    const cut = await sender.next();
    assert.equal(cut.cmd, '925', JSON.stringify(cut));
    // A claim of unknown outcome is undone by the node: to the client it did not happen.
    const refusedJoin = await newcomer.next();
    assert.equal(refusedJoin.cmd, '923', JSON.stringify(refusedJoin));
    assert.equal(refusedJoin.id, 'c');
    const answeredIn = Date.now() - frozenAt;
    assert.ok(answeredIn < BOUND_MS, `both answered within the bound: ${answeredIn} ms`);
    // The lease runs out: the idle member is told, before any other node could reap it.
    assert.equal((await reader.next()).cmd, '925');
    const toldIn = Date.now() - frozenAt;
    assert.ok(toldIn < LEASE_BOUND_MS, `the members were let go within the lease: ${toldIn} ms`);
    await sender.waitClosed();
    await reader.waitClosed();

    // Redis goes on: the chat and the claim reach it late and do nothing; the node releases
    // its former members (announced) and frees their nicknames.
    thaw();
    const watcher = await joinWhenServing(t, node.port, 'watcher');
    const users = await usersEventually(watcher, (list) => list.length === 1);
    assert.deepEqual(users, ['watcher'], 'the disconnected members were released');
    const again = await joinWhenServing(t, node.port, 'newcomer');
    const back = await joinWhenServing(t, node.port, 'sender');
    back.send({ cmd: '7', msg: 'after', id: 3 });
    assert.equal((await back.expect('71')).id, 3);
    await watcher.expect('8');
    await watcher.expect('8');
    assert.equal((await watcher.expect('70')).msg, 'after', 'the unanswered chat never arrived');
    void again;
  });
});

/** Asks USERS until `done` holds (bounded); returns the last list of nicknames. */
async function usersEventually(
  client: RawClient,
  done: (nicknames: string[]) => boolean,
): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    client.send({ cmd: '1' });
    const answer = await client.next();
    const list = answer.cmd === '10' ? (answer.users as [string, unknown][]).map((u) => u[0]) : [];
    if (done(list) || Date.now() > deadline) return list;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
