import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawClient, startServer } from '../helpers.js';

describe('delivery guarantees (section 8)', () => {
  it('50 clients x 200 messages: every receiver gets everything, each sender in order, one room order', async (t) => {
    const clients = 50;
    const perSender = 200;
    const server = await startServer(t, { maxUsers: clients, logLevel: 'silent' });
    const members: RawClient[] = [];
    for (let i = 0; i < clients; i++) {
      const c = await RawClient.open(t, server);
      c.send({ cmd: '0', nickname: `c${i}` });
      await c.expect('03');
      members.push(c);
    }
    // Everyone has seen every later join before the first chat.
    for (const [i, c] of members.entries())
      for (let j = i + 1; j < clients; j++) await c.expect('8');

    // All senders at once, each as fast as it can write.
    for (let seq = 0; seq < perSender; seq++) {
      for (const [i, c] of members.entries()) c.send({ cmd: '7', msg: `${i}:${seq}` });
    }

    const received = await Promise.all(
      members.map(async (c) => {
        const got: string[] = [];
        while (got.length < (clients - 1) * perSender) got.push(String((await c.expect('70')).msg));
        return got;
      }),
    );

    for (const [r, got] of received.entries()) {
      const next = new Array<number>(clients).fill(0);
      for (const msg of got) {
        const [s, seq] = msg.split(':').map(Number) as [number, number];
        assert.notEqual(s, r, 'no echo');
        assert.equal(seq, next[s], `receiver ${r}: sender ${s} in order`);
        next[s]!++;
      }
      assert.ok(
        next.every((n, s) => n === (s === r ? 0 : perSender)),
        `receiver ${r} complete`,
      );
    }
    // One room order: any two receivers agree on the order of what both received.
    const without = (list: string[], a: number, b: number) =>
      list.filter((m) => !m.startsWith(`${a}:`) && !m.startsWith(`${b}:`));
    for (let r = 1; r < clients; r++) {
      assert.deepEqual(
        without(received[r]!, 0, r),
        without(received[0]!, 0, r),
        `receivers 0 and ${r}`,
      );
    }
  });
});
