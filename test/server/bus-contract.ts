/**
 * The contract every {@link Bus} implementation passes; each implementation's test file calls
 * {@link busContract} with a factory that returns two subscribed buses sharing one medium
 * (for the in-memory bus, the same bus twice).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bus, Delivery } from '../../src/server/backends/bus.js';
import { eventually } from '../helpers.js';

export function busContract(name: string, createPair: () => Promise<[Bus, Bus]>): void {
  describe(`Bus contract: ${name}`, () => {
    it('delivers room frames and whispers to every subscriber, in publish order', async (t) => {
      const [a, b] = await createPair();
      t.after(async () => {
        await a.close();
        if (b !== a) await b.close();
      });
      const seenA: Delivery[] = [];
      const seenB: Delivery[] = [];
      a.subscribe((d) => seenA.push(d));
      b.subscribe((d) => seenB.push(d));
      const frame = (i: number) =>
        new TextEncoder().encode(`{"cmd":"70","from":"x","msg":"${i}"}\n`);
      for (let i = 0; i < 100; i++)
        (i % 2 ? a : b).publish({ kind: 'room', room: 'lobby', frame: frame(i), except: 'm1' });
      a.publish({ kind: 'whisper', to: 'm2', from: 'x', msg: '한글' });
      await eventually(() => seenA.length >= 101 && seenB.length >= 101, 'all deliveries');
      for (const seen of [seenA, seenB]) {
        const rooms = seen.filter((d) => d.kind === 'room');
        assert.deepEqual(
          rooms.map((d) => new TextDecoder().decode(d.frame)),
          Array.from({ length: 100 }, (_, i) => new TextDecoder().decode(frame(i))),
        );
        assert.equal(rooms[0]?.except, 'm1');
        assert.deepEqual(
          seen.find((d) => d.kind === 'whisper'),
          { kind: 'whisper', to: 'm2', from: 'x', msg: '한글' },
        );
      }
    });
  });
}
