import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { RawClient, join } from '../helpers.js';
import { needRedis } from '../redis.js';
import { OwnRedis, startNode } from './nodes.js';

/** How long a request that needs Redis may wait for its answer (rule 9.8), with some slack. */
const BOUND_MS = 2000 + 1000;

describe('cluster: a frozen Redis (rule 9.8)', () => {
  it('requests are answered 923 within the bound, and what was refused never happens', async (t) => {
    if (!(await needRedis(t))) return;
    const redis = await OwnRedis.start(t);
    const node = await startNode(t, `f-${randomBytes(4).toString('hex')}`, redis.url);
    const sender = await join(t, node.port, 'sender');
    const reader = await join(t, node.port, 'reader');
    await sender.expect('8');
    sender.send({ cmd: '7', msg: 'before', id: 1 });
    assert.equal((await sender.expect('71')).id, 1);
    assert.equal((await reader.expect('70')).msg, 'before');

    const thaw = await redis.freeze(t);
    const frozenAt = Date.now();
    sender.send({ cmd: '7', msg: 'during', id: 2 });
    const refusedChat = await sender.next();
    assert.equal(refusedChat.cmd, '923', JSON.stringify(refusedChat));
    assert.equal(refusedChat.id, 2);
    const newcomer = await RawClient.open(t, node.port);
    newcomer.send({ cmd: '0', nickname: 'newcomer', id: 'c' });
    const refusedJoin = await newcomer.next();
    assert.equal(refusedJoin.cmd, '923', JSON.stringify(refusedJoin));
    assert.ok(Date.now() - frozenAt < 2 * BOUND_MS, 'both answered within the bound');

    // Redis goes on: the refused chat and claim arrive there late and do nothing.
    thaw();
    sender.send({ cmd: '7', msg: 'after', id: 3 });
    assert.equal((await sender.expect('71')).id, 3);
    assert.equal((await reader.expect('70')).msg, 'after', 'the refused chat was never delivered');
    const again = await RawClient.open(t, node.port);
    again.send({ cmd: '0', nickname: 'newcomer' });
    assert.equal((await again.next()).cmd, '03', 'the refused claim did not hold the nickname');
  });
});
