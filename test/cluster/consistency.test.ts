import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { RawClient, eventually, join, type Msg } from '../helpers.js';
import { needRedis } from '../redis.js';
import { OwnRedis, startNode } from './nodes.js';

/** Chats `count` numbered messages as `tag:i`, a few at a time, so moves happen in between. */
async function chatter(client: RawClient, tag: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    client.send({ cmd: '7', msg: `${tag}:${i}` });
    if (i % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Everything a client received until `done` is true and nothing came for a moment. */
async function drain(client: RawClient, done: () => boolean): Promise<Msg[]> {
  const got: Msg[] = [];
  for (;;) {
    const m = await client.next().catch(() => undefined);
    if (!m) break;
    got.push(m);
    if (done() && client.messages.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      if (client.messages.length === 0) break;
    }
  }
  return got;
}

async function cluster(t: Parameters<typeof needRedis>[0], nodes: number) {
  if (!(await needRedis(t))) return undefined;
  const redis = await OwnRedis.start(t);
  const prefix = `c-${randomBytes(4).toString('hex')}`;
  const started = [];
  for (let i = 0; i < nodes; i++) started.push(await startNode(t, prefix, redis.url));
  return { redis, nodes: started, ports: started.map((n) => n.port) };
}

/** One node on its own Redis, with a sender and a reader in the default room. */
async function onOneNode(t: Parameters<typeof needRedis>[0]) {
  const c = await cluster(t, 1);
  if (!c) return undefined;
  const [port] = c.ports as [number];
  const sender = await join(t, port, 'sender');
  const reader = await join(t, port, 'reader');
  await sender.expect('8');
  return { c, sender, reader };
}

describe('cluster: membership changes in the room order', () => {
  it('a member moving between rooms gets exactly the messages between its own 8 and 30', async (t) => {
    const c = await cluster(t, 2);
    if (!c) return;
    const [p1, p2] = c.ports as [number, number];
    const watchA = await join(t, p1, 'watchA', { room: 'A' });
    const watchB = await join(t, p2, 'watchB', { room: 'B' });
    const chatA = await join(t, p1, 'chatA', { room: 'A' });
    const chatB = await join(t, p2, 'chatB', { room: 'B' });
    const mover = await join(t, p2, 'mover', { room: 'A' });
    let moving = true;
    const moves = (async () => {
      for (let i = 0; i < 10; i++) {
        mover.send({ cmd: '12', room: i % 2 === 0 ? 'B' : 'A' });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      moving = false;
    })();
    await Promise.all([chatter(chatA, 'A', 400), chatter(chatB, 'B', 400), moves]);
    const [seenA, seenB, seenMover] = await Promise.all([
      drain(watchA, () => !moving),
      drain(watchB, () => !moving),
      drain(mover, () => !moving),
    ]);
    // What the mover should have had in each stay: the watcher's view between the mover's own
    // 8 and 30 in that room.
    const stays = (seen: Msg[], tag: string) => {
      const runs: string[][] = [];
      let current: string[] | undefined = seen.length > 0 ? undefined : undefined;
      for (const m of seen) {
        if (m.cmd === '8' && m.nickname === 'mover') current = [];
        else if (m.cmd === '30' && m.nickname === 'mover' && current) {
          runs.push(current);
          current = undefined;
        } else if (m.cmd === '70' && current && String(m.msg).startsWith(`${tag}:`)) {
          current.push(String(m.msg));
        }
      }
      if (current) runs.push(current);
      return runs;
    };
    const expected = [...stays(seenA, 'A'), ...stays(seenB, 'B')].flat().sort();
    const got = seenMover.filter((m) => m.cmd === '70').map((m) => String(m.msg));
    // The first stay in A began before the watcher could see the mover's 8: compare from the
    // mover's first move on, where both views are complete.
    const firstMove = seenMover.findIndex((m) => m.cmd === '120');
    const afterFirstMove = seenMover
      .slice(firstMove)
      .filter((m) => m.cmd === '70')
      .map((m) => String(m.msg));
    for (const msg of afterFirstMove)
      assert.ok(expected.includes(msg), `the mover got ${msg} outside its stays`);
    for (const msg of expected) assert.ok(got.includes(msg), `the mover missed ${msg}`);
    // Never its own departure or arrival.
    assert.ok(!seenMover.some((m) => (m.cmd === '8' || m.cmd === '30') && m.nickname === 'mover'));
  });

  it('a client reset during a JOIN: each room is told once, with the right counts', async (t) => {
    const c = await cluster(t, 2);
    if (!c) return;
    const [p1, p2] = c.ports as [number, number];
    const inA = await join(t, p1, 'inA', { room: 'A' });
    const inB = await join(t, p1, 'inB', { room: 'B' });
    // Node 2 already watches room B, so the move goes straight to Redis, ahead of the release.
    await join(t, p2, 'otherB', { room: 'B' });
    await inB.expect('8');
    const mover = await join(t, p2, 'mover', { room: 'A' });
    await inA.expect('8');
    c.redis.stall(0.5);
    await new Promise((resolve) => setTimeout(resolve, 100));
    mover.send({ cmd: '12', room: 'B' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    mover.socket.resetAndDestroy();
    // The move came first: A is told the mover left, B that it came and left; each once.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual(inA.messages.splice(0), [{ cmd: '30', nickname: 'mover', userCount: 1 }]);
    assert.deepEqual(inB.messages.splice(0), [
      { cmd: '8', nickname: 'mover', userCount: 3 },
      { cmd: '30', nickname: 'mover', userCount: 2 },
    ]);
    // Nothing more, and both rooms still work across nodes.
    const late = await join(t, p2, 'late', { room: 'A' });
    assert.deepEqual(await inA.next(), { cmd: '8', nickname: 'late', userCount: 2 });
    late.send({ cmd: '7', msg: 'hello A' });
    assert.deepEqual(await inA.next(), { cmd: '70', from: 'late', msg: 'hello A' });
    await inB.expectQuiet();
  });

  it('a shutdown delivers every chat the node accepted, even while Redis is slow', async (t) => {
    const pair = await onOneNode(t);
    if (!pair) return;
    const { c, sender, reader } = pair;
    for (let i = 0; i < 20; i++) sender.send({ cmd: '7', msg: String(i), id: i });
    for (let i = 0; i < 20; i++) assert.equal((await reader.expect('70')).msg, String(i));
    c.redis.stall(0.3);
    for (let i = 20; i < 100; i++) sender.send({ cmd: '7', msg: String(i), id: i });
    await new Promise((resolve) => setTimeout(resolve, 50));
    c.nodes[0]!.child.proc.kill('SIGTERM');
    // Accepted: the chats acknowledged with 71 (rule 9.8); those still waiting were not.
    const accepted: number[] = [];
    for (;;) {
      const answer = await sender.next();
      if (answer.cmd !== '71') {
        assert.equal(answer.cmd, '912', JSON.stringify(answer));
        break;
      }
      accepted.push(answer.id as number);
    }
    assert.ok(accepted.length >= 21, `the chat sent before the stall was accepted: ${accepted}`);
    assert.deepEqual(
      accepted,
      accepted.map((_, i) => i),
      'accepted in order',
    );
    for (const i of accepted.slice(20)) assert.equal((await reader.expect('70')).msg, String(i));
    assert.equal((await reader.next()).cmd, '912');
  });

  it('while its subscription reconnects, a node refuses chats instead of losing them', async (t) => {
    const pair = await onOneNode(t);
    if (!pair) return;
    const { c, sender, reader } = pair;
    await c.redis.cli('client', 'kill', 'type', 'pubsub');
    const accepted: number[] = [];
    for (let i = 0; i < 60; i++) {
      sender.send({ cmd: '7', msg: String(i), id: i });
      let answer = await sender.next();
      // A chat accepted in the moment before the node saw its subscription drop may miss this
      // node's members, the sender among them: they are told (73), never left in silence.
      while (answer.cmd === '73') answer = await sender.next();
      if (answer.cmd === '71') accepted.push(i);
      else assert.equal(answer.cmd, '923', JSON.stringify(answer));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const got: number[] = [];
    let missed = 0;
    await eventually(() => {
      while (reader.messages.length > 0) {
        const m = reader.messages.shift()!;
        // Without a range the numbering restarted: any number may be missing.
        if (m.cmd === '73')
          missed += m.from === undefined ? Infinity : Number(m.to) - Number(m.from) + 1;
        else got.push(Number(m.msg));
      }
      return got.length + missed >= accepted.length;
    }, 'every accepted chat, or word of it missed');
    // What arrived is what was accepted, in order; whatever did not was announced as missed.
    assert.deepEqual(
      got,
      accepted.filter((i) => got.includes(i)),
    );
    assert.ok(got.length + missed >= accepted.length, `${got.length} + ${missed} missed`);
  });

  it('a node the others took for dead tells its members (925), never that they left', async (t) => {
    const c = await cluster(t, 2);
    if (!c) return;
    const [p1, p2] = c.ports as [number, number];
    const watcher = await join(t, p1, 'watcher');
    const sleeper = await join(t, p2, 'sleeper');
    await watcher.expect('8');
    c.nodes[1]!.child.proc.kill('SIGSTOP');
    assert.deepEqual(await watcher.next(), { cmd: '30', nickname: 'sleeper', userCount: 1 });
    c.nodes[1]!.child.proc.kill('SIGCONT');
    // Back: its lease ran out long ago, so its member is told and disconnected (rule 9.14),
    // and it never sees a 30 about itself.
    assert.equal((await sleeper.next()).cmd, '925');
    await sleeper.waitClosed();
    // Announced once: no second 30, no 8.
    await watcher.expectQuiet();
    const again = await join(t, p2, 'sleeper');
    assert.deepEqual(await watcher.next(), { cmd: '8', nickname: 'sleeper', userCount: 2 });
    watcher.send({ cmd: '7', msg: 'welcome back' });
    assert.deepEqual(await again.next(), { cmd: '70', from: 'watcher', msg: 'welcome back' });
    await again.expectQuiet();
  });
});
