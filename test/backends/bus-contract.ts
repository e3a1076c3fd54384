/**
 * The contract every {@link Bus} implementation passes; each implementation's test file calls
 * {@link busContract} with a factory that returns two subscribed buses sharing one medium
 * (for the in-memory bus, the same bus twice).
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Bus, Delivery } from '../../src/backends/bus.js';
import { eventually } from '../helpers.js';

/**
 * @param createPair two buses on one medium and the node id of the second (for whispers);
 *   undefined when the medium is not available (the test is skipped or failed by the factory)
 */
export function busContract(
  name: string,
  createPair: (t: TestContext) => Promise<[Bus, Bus, string] | undefined>,
): void {
  describe(`Bus contract: ${name}`, () => {
    it('delivers room frames to every watcher in publish order, whispers to their node', async (t) => {
      const pair = await createPair(t);
      if (!pair) return;
      const [a, b, nodeB] = pair;
      t.after(async () => {
        await a.close();
        if (b !== a) await b.close();
      });
      const seenA: Delivery[] = [];
      const seenB: Delivery[] = [];
      a.subscribe((d) => seenA.push(d));
      b.subscribe((d) => seenB.push(d));
      await a.watch('lobby');
      await b.watch('lobby');
      const frame = (i: number) =>
        new TextEncoder().encode(`{"cmd":"70","from":"x","msg":"${i}"}\n`);
      for (let i = 0; i < 100; i++)
        (i % 2 ? a : b).publish({ kind: 'room', room: 'lobby', frame: frame(i), except: 'm1' });
      a.publish({ kind: 'whisper', node: nodeB, to: 'm2', from: 'x', msg: '한글' });
      await eventually(() => seenA.length >= 100 && seenB.length >= 101, 'all deliveries');
      // Both see one order, in which each publisher's frames keep the order it sent them.
      const texts = (seen: Delivery[]) =>
        seen.flatMap((d) => (d.kind === 'room' ? [new TextDecoder().decode(d.frame)] : []));
      const order = texts(seenA);
      assert.deepEqual(texts(seenB), order);
      assert.equal(order.length, 100);
      const numbers = order.map((text) => Number(/"msg":"(\d+)"/.exec(text)![1]));
      for (const parity of [0, 1]) {
        const own = numbers.filter((n) => n % 2 === parity);
        assert.deepEqual(
          own,
          [...own].sort((x, y) => x - y),
          `publisher ${parity} in order`,
        );
      }
      assert.ok(seenA.every((d) => d.kind !== 'room' || d.except === 'm1'));
      // The whisper reaches the node it names.
      assert.deepEqual(
        seenB.find((d) => d.kind === 'whisper'),
        {
          kind: 'whisper',
          node: nodeB,
          to: 'm2',
          from: 'x',
          msg: '한글',
        },
      );
    });
  });
}
