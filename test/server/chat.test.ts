import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join, joinAll, startServer } from '../helpers.js';

describe('CHAT 7', () => {
  it('sends 70 {from, msg} to every other member, not to the sender', async (t) => {
    const server = await startServer(t);
    const [alice, bob, carol] = await joinAll(t, server, ['alice', 'bob', 'carol']);
    bob!.send({ cmd: '7', msg: 'hello all' });
    assert.deepEqual(await alice!.next(), { cmd: '70', from: 'bob', msg: 'hello all' });
    assert.deepEqual(await carol!.next(), { cmd: '70', from: 'bob', msg: 'hello all' });
    await bob!.expectQuiet();
  });

  it('round-trips non-ASCII text exactly, as UTF-8 on the wire', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    const msg = '안녕하세요 👋 ¡hola! \u0000 \\ "quotes" \n newline \u2028';
    bob!.send({ cmd: '7', msg });
    assert.deepEqual(await alice!.next(), { cmd: '70', from: 'bob', msg });
    assert.ok(alice!.raw.includes('안녕하세요 👋'));
    // The seed's client escapes non-ASCII as \uXXXX: same text.
    bob!.send('{"cmd": "7", "msg": "\\uc548\\ub155"}');
    assert.deepEqual(await alice!.next(), { cmd: '70', from: 'bob', msg: '안녕' });
  });

  it('delivers an empty message (the seed does)', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    bob!.send({ cmd: '7', msg: '' });
    assert.deepEqual(await alice!.next(), { cmd: '70', from: 'bob', msg: '' });
  });

  it('acknowledges a chat that carries an id with 71', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    bob!.send({ cmd: '7', msg: 'tracked', id: 'm-1' });
    assert.deepEqual(await bob!.next(), { cmd: '71', id: 'm-1' });
    assert.deepEqual(await alice!.next(), { cmd: '70', from: 'bob', msg: 'tracked' });
  });

  it("keeps each sender's order and gives every member the same order", async (t) => {
    const server = await startServer(t);
    const clients = await joinAll(t, server, ['a', 'b', 'c', 'd']);
    const count = 200;
    for (let i = 0; i < count; i++) {
      for (const [n, c] of clients.entries()) c.send({ cmd: '7', msg: `${n}:${i}` });
    }
    const seen = await Promise.all(
      clients.map(async (c) => {
        const got: string[] = [];
        while (got.length < count * (clients.length - 1))
          got.push(String((await c.expect('70')).msg));
        return got;
      }),
    );
    for (const [n, got] of seen.entries()) {
      for (let s = 0; s < clients.length; s++) {
        const fromS = got.filter((m) => m.startsWith(`${s}:`));
        if (s === n) assert.equal(fromS.length, 0);
        else
          assert.deepEqual(
            fromS,
            Array.from({ length: count }, (_, i) => `${s}:${i}`),
          );
      }
    }
    // Any two members agree on the relative order of the messages both received.
    const common = (x: string[], y: string[]) => x.filter((m) => y.includes(m));
    assert.deepEqual(common(seen[0]!, seen[1]!), common(seen[1]!, seen[0]!));
  });

  it("stays in the sender's room", async (t) => {
    const server = await startServer(t);
    const lobby = await join(t, server, 'lobbyist');
    const [dev1, dev2] = [
      await join(t, server, 'dev1', { room: 'dev' }),
      await join(t, server, 'dev2', { room: 'dev' }),
    ];
    await dev1.expect('8');
    dev2.send({ cmd: '7', msg: 'dev talk' });
    assert.deepEqual(await dev1.next(), { cmd: '70', from: 'dev2', msg: 'dev talk' });
    await lobby.expectQuiet();
  });
});
