import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { RawClient, type Msg } from '../helpers.js';
import { tempDataDir } from '../cli/process.js';
import { ROOT } from '../operators.js';
import { needRedis, REDIS_URL } from '../redis.js';
import { joinWhenServing, startCluster, startNode, type Node } from './nodes.js';

/** Two nodes of one cluster with the operator root configured; undefined without Redis. */
async function twoNodes(t: TestContext) {
  const prefix = await needRedis(t);
  if (!prefix) return undefined;
  const file = joinPath(tempDataDir(t), 'natter.json');
  writeFileSync(file, JSON.stringify({ operators: [ROOT] }));
  const nodes = await startCluster(t, 2, { prefix, args: ['--config', file] });
  if (!nodes) return undefined;
  return { a: nodes[0]!, b: nodes[1]!, file, prefix };
}

async function operatorOn(t: TestContext, node: Node, nickname = 'op'): Promise<RawClient> {
  const op = await joinWhenServing(t, node.port, nickname);
  op.send({ cmd: '15', name: 'root', password: 'secret' });
  assert.equal((await answer(op)).cmd, '150');
  return op;
}

/** The next message that is not a room announcement (8, 30) or chat. */
async function answer(client: RawClient): Promise<Msg> {
  for (;;) {
    const m = await client.next();
    if (!['8', '30', '70'].includes(m.cmd)) return m;
  }
}

describe('moderation across two nodes', () => {
  it('an operator on one node kicks, mutes and bans members of the other', async (t) => {
    const cluster = await twoNodes(t);
    if (!cluster) return;
    const { a, b } = cluster;
    const op = await operatorOn(t, a);
    const bob = await joinWhenServing(t, b.port, 'bob');
    const carol = await joinWhenServing(t, b.port, 'carol');

    op.send({ cmd: '16', nickname: 'bob', reason: 'spam' });
    const kicked = await answer(bob);
    assert.deepEqual(
      [kicked.cmd, kicked.reason, kicked.by, kicked.fatal],
      ['929', 'kicked by root: spam', 'root', true],
    );
    await bob.waitClosed();
    assert.deepEqual(await answer(op), { cmd: '160', nickname: 'bob' });

    op.send({ cmd: '18', nickname: 'carol', durationMs: 60_000 });
    assert.equal((await answer(op)).cmd, '180');
    // The mute reaches node B a moment after A answered: carol asks (bounded) until it has.
    let refused = '';
    for (let i = 0; i < 40 && refused !== '932'; i++) {
      carol.send({ cmd: '7', msg: 'can anyone hear me?', id: i });
      refused = (await answer(carol)).cmd;
      if (refused !== '932') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(refused, '932');

    // BANS and UNBAN on the other node see and lift what was made on this one.
    const op2 = await operatorOn(t, b, 'op2');
    op2.send({ cmd: '17', nickname: 'zed', durationMs: 60_000 });
    assert.equal((await answer(op2)).cmd, '170');
    op.send({ cmd: '23' });
    const listed = await answer(op);
    assert.deepEqual(
      (listed.mutes as { nickname: string }[]).map((m) => m.nickname),
      ['carol'],
    );
    assert.deepEqual(
      (listed.bans as { nickname: string }[]).map((b) => b.nickname),
      ['zed'],
    );
    op.send({ cmd: '19', nickname: 'zed' });
    assert.equal(((await answer(op)).removed as unknown[]).length, 1);
    const zed = await joinWhenServingOrRefused(t, b.port, 'zed');
    assert.equal(zed.cmd, '03');

    op.send({ cmd: '17', nickname: 'carol', reason: 'evading' });
    const banned = await answer(carol);
    assert.deepEqual([banned.cmd, banned.by], ['931', 'root']);
    await carol.waitClosed();
    assert.deepEqual((await answer(op)).kicked, ['carol']);
    // The other node refuses the nickname from now on.
    const again = await joinWhenServingOrRefused(t, b.port, 'Carol');
    assert.equal(again.cmd, '931');

    // What was done on A is in the audit log read on B.
    op2.send({ cmd: '24' });
    const entries = (await answer(op2)).entries as { action: string; target: string }[];
    assert.deepEqual(
      entries.map((e) => [e.action, e.target]),
      [
        ['ban', 'carol'],
        ['unban', 'zed'],
        ['ban', 'zed'],
        ['oper', 'root'],
        ['mute', 'carol'],
        ['kick', 'bob'],
        ['oper', 'root'],
      ],
    );
  });

  it('bans are kept in Redis: a node started later refuses them too', async (t) => {
    const cluster = await twoNodes(t);
    if (!cluster) return;
    const { a, b, file, prefix } = cluster;
    const op = await operatorOn(t, a);
    op.send({ cmd: '17', nickname: 'dave', durationMs: 3_600_000 });
    assert.equal((await answer(op)).cmd, '170');
    b.child.proc.kill('SIGTERM');
    const c = await startNode(t, prefix, REDIS_URL, ['--config', file]);
    const refused = await joinWhenServingOrRefused(t, c.port, 'dave');
    assert.equal(refused.cmd, '931');
    assert.ok((refused.expiresAt as number) > Date.now());
  });
});

/** The answer to a CONNECT, retrying (bounded) while the node is still getting ready (923). */
async function joinWhenServingOrRefused(t: TestContext, port: number, nickname: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = await RawClient.open(t, port);
    client.send({ cmd: '0', nickname });
    const first = await client.next();
    if (first.cmd !== '923' || Date.now() > deadline) return first;
    client.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
