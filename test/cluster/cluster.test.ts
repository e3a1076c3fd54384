import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { RawClient, join } from '../helpers.js';
import { startCluster } from './nodes.js';

/**
 * Joins `count` clients named `prefix0`, `prefix1`... to the default room, spread over the nodes
 * in turn, and reads the `8` each one gets for those who joined after it.
 */
async function joinSpread(
  t: TestContext,
  ports: number[],
  prefix: string,
  count: number,
): Promise<RawClient[]> {
  const clients: RawClient[] = [];
  for (let i = 0; i < count; i++) clients.push(await join(t, ports[i % ports.length]!, prefix + i));
  for (const [i, c] of clients.entries()) {
    for (let j = i + 1; j < count; j++) await c.expect('8');
  }
  return clients;
}

/** A client written for the seed must not be able to tell three nodes from one server. */
describe('cluster: three nodes on one Redis act as one server', () => {
  it('nickname claims are atomic across nodes: one of many racers wins, every round', async (t) => {
    const nodes = await startCluster(t, 3);
    if (!nodes) return;
    const ports = nodes.map((n) => n.port);
    for (let round = 0; round < 5; round++) {
      const racers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => RawClient.open(t, ports[i % 3]!)),
      );
      for (const r of racers) r.send({ cmd: '0', nickname: `prize${round}` });
      const answers = await Promise.all(racers.map((r) => r.next()));
      assert.equal(answers.filter((a) => a.cmd === '03').length, 1, `round ${round}`);
      assert.equal(answers.filter((a) => a.cmd === '01').length, 11);
    }
  });

  it('capacity holds across nodes: 10 joins for the last free place, exactly one succeeds', async (t) => {
    const nodes = await startCluster(t, 3, { args: ['--max-users', '10'] });
    if (!nodes) return;
    const ports = nodes.map((n) => n.port);
    for (let i = 0; i < 9; i++) await join(t, ports[i % 3]!, `member${i}`);
    const racers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => RawClient.open(t, ports[i % 3]!)),
    );
    racers.forEach((r, i) => r.send({ cmd: '0', nickname: `racer${i}` }));
    const answers = await Promise.all(racers.map((r) => r.next()));
    assert.equal(answers.filter((a) => a.cmd === '03').length, 1);
    assert.equal(answers.filter((a) => a.cmd === '02').length, 9);
  });

  it('USERS lists every member of the room, with its address, and every node agrees', async (t) => {
    const nodes = await startCluster(t, 3);
    if (!nodes) return;
    const ports = nodes.map((n) => n.port);
    const clients = await joinSpread(t, ports, 'u', 6);
    const expected = clients.map((c, i) => [`u${i}`, '127.0.0.1', c.socket.localPort]);
    for (const c of clients) {
      c.send({ cmd: '1' });
      assert.deepEqual((await c.expect('10')).users, expected);
    }
  });

  it('chats, whispers, joins, leaves, renames and rooms work across nodes, with counts', async (t) => {
    const nodes = await startCluster(t, 3);
    if (!nodes) return;
    const ports = nodes.map((n) => n.port);
    const [a, b, c] = [
      await join(t, ports[0]!, 'a'),
      await join(t, ports[1]!, 'b'),
      await join(t, ports[2]!, 'c', { caps: [] }), // c gets Natter's extra fields
    ];
    assert.deepEqual(await a.next(), { cmd: '8', nickname: 'b', userCount: 2 });
    assert.deepEqual(await a.next(), { cmd: '8', nickname: 'c', userCount: 3 });
    assert.deepEqual(await b.next(), { cmd: '8', nickname: 'c', userCount: 3 });

    b.send({ cmd: '7', msg: '안녕 from node 2' });
    assert.deepEqual(await a.next(), { cmd: '70', from: 'b', msg: '안녕 from node 2' });
    assert.deepEqual(await c.next(), { cmd: '70', from: 'b', msg: '안녕 from node 2' });
    await b.expectQuiet();

    a.send({ cmd: '2', to: 'C', msg: 'across' });
    assert.deepEqual(await a.next(), { cmd: '22' });
    assert.deepEqual(await c.next(), { cmd: '70', from: 'a', msg: 'across' });
    await b.expectQuiet();

    c.send({ cmd: '5', newNickname: 'sea' });
    assert.deepEqual(await c.next(), { cmd: '51', newNickname: 'sea' });
    assert.deepEqual(await a.next(), { cmd: '52', nickname: 'c', newNickname: 'sea' });
    assert.deepEqual(await b.next(), { cmd: '52', nickname: 'c', newNickname: 'sea' });
    a.send({ cmd: '2', to: 'c', msg: 'x' });
    assert.deepEqual(await a.next(), { cmd: '20' });

    // Rooms: b moves to dev; a and sea see it leave (sea, with caps, where to), a newcomer on
    // node 3 joins dev.
    b.send({ cmd: '12', room: 'dev' });
    assert.deepEqual(await b.next(), { cmd: '120', room: 'dev', userCount: 1 });
    assert.deepEqual(await a.next(), { cmd: '30', nickname: 'b', userCount: 2 });
    assert.deepEqual(await c.next(), { cmd: '30', nickname: 'b', userCount: 2, room: 'dev' });
    const d = await join(t, ports[2]!, 'd', { room: 'DEV' });
    assert.deepEqual(await b.next(), { cmd: '8', nickname: 'd', userCount: 2 });
    d.send({ cmd: '11' });
    assert.deepEqual((await d.expect('110')).rooms, [
      { name: 'lobby', userCount: 2, capacity: 100 },
      { name: 'dev', userCount: 2, capacity: 100 },
    ]);
    d.send({ cmd: '7', msg: 'dev only' });
    assert.deepEqual(await b.next(), { cmd: '70', from: 'd', msg: 'dev only' });
    await a.expectQuiet();

    // Leaving: EXIT on one node, an abrupt close on another.
    a.send({ cmd: '3' });
    assert.deepEqual(await c.next(), { cmd: '30', nickname: 'a', userCount: 1 });
    d.close();
    assert.deepEqual(await b.next(), { cmd: '30', nickname: 'd', userCount: 1 });
    // Freed nicknames can be taken again anywhere.
    await join(t, ports[1]!, 'a');
    await join(t, ports[0]!, 'd');
  });

  it('every member, on every node, sees the room in one order, each sender in its own order', async (t) => {
    const nodes = await startCluster(t, 3);
    if (!nodes) return;
    const ports = nodes.map((n) => n.port);
    const members = await joinSpread(t, ports, 'm', 6);
    const perSender = 150;
    for (let seq = 0; seq < perSender; seq++) {
      for (const [i, m] of members.entries()) m.send({ cmd: '7', msg: `${i}:${seq}` });
    }
    const seen = await Promise.all(
      members.map(async (m) => {
        const got: string[] = [];
        while (got.length < perSender * (members.length - 1))
          got.push(String((await m.expect('70')).msg));
        return got;
      }),
    );
    for (const got of seen) {
      const next = new Array<number>(members.length).fill(0);
      for (const msg of got) {
        const [s, seq] = msg.split(':').map(Number) as [number, number];
        assert.equal(seq, next[s], `sender ${s} in order`);
        next[s]!++;
      }
    }
    const without = (list: string[], a: number, b: number) =>
      list.filter((x) => !x.startsWith(`${a}:`) && !x.startsWith(`${b}:`));
    for (let r = 1; r < members.length; r++) {
      assert.deepEqual(
        without(seen[r]!, 0, r),
        without(seen[0]!, 0, r),
        `members 0 and ${r} agree`,
      );
    }
  });
});
