/**
 * The contract of a directory and the bus it announces on: every change a room's members see is
 * announced in the same atomic step as the change, so each room's announcements come in the
 * directory's order (docs/protocol.md, rule 9.4). Each pair of implementations has a test file
 * that calls {@link announcementContract}.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Bus, Delivery, RoomDelivery } from '../../src/backends/bus.js';
import type { Directory, NewMember } from '../../src/backends/directory.js';
import { eventually } from '../helpers.js';

let serial = 0;
function member(nickname: string, room = 'lobby'): NewMember {
  const id = `node-a:${serial++}`;
  return { id, nickname, room, ip: '127.0.0.1', port: 40000 + serial, node: 'node-a' };
}

/** A room delivery as a line: its frame, and its marks. */
function line(d: RoomDelivery): string {
  const frame = JSON.parse(Buffer.from(d.frame).toString()) as Record<string, unknown>;
  const marks = [
    d.except ? `except ${d.except}` : '',
    d.joins ? `joins ${d.joins.id} ${d.joins.room} ${d.joins.userCount}` : '',
    d.leaves ? `leaves ${d.leaves}` : '',
  ].filter((m) => m !== '');
  return [JSON.stringify(frame), ...marks].join(' | ');
}

export function announcementContract(
  name: string,
  create: (t: TestContext) => Promise<{ directory: Directory; bus: Bus } | undefined>,
): void {
  describe(`Directory announcements on the bus: ${name}`, () => {
    const setup = async (t: TestContext, rooms: string[]) => {
      const pair = await create(t);
      if (!pair) return undefined;
      const seen = new Map<string, string[]>();
      pair.bus.subscribe((d: Delivery) => {
        if (d.kind !== 'room') return;
        seen.set(d.room, [...(seen.get(d.room) ?? []), line(d)]);
      });
      for (const room of rooms) await pair.bus.watch(room);
      t.after(async () => {
        await pair.bus.close();
        await pair.directory.close();
      });
      return { ...pair, seen };
    };

    it('announces each change, with the marks that place the membership, in order', async (t) => {
      const s = await setup(t, ['lobby', 'side']);
      if (!s) return;
      const d = s.directory;
      const [a, b, c] = [member('a'), member('b'), member('c')];
      await d.claim(a, 10, true);
      await d.claim(b, 10, true);
      await d.claim(c, 10, false); // put back without a word
      await d.rename(a.id, 'z');
      await d.move(b.id, 'Side', 10);
      await d.release(a.id, true);
      await d.release(c.id, false);
      await eventually(
        () => s.seen.get('lobby')?.length === 5 && s.seen.get('side')?.length === 1,
        'the announcements',
      );
      assert.deepEqual(s.seen.get('lobby'), [
        `{"cmd":"8","nickname":"a","userCount":1} | except ${a.id} | joins ${a.id} lobby 1`,
        `{"cmd":"8","nickname":"b","userCount":2} | except ${b.id} | joins ${b.id} lobby 2`,
        `{"cmd":"52","nickname":"a","newNickname":"z"} | except ${a.id}`,
        `{"cmd":"30","nickname":"b","userCount":2} | leaves ${b.id}`,
        `{"cmd":"30","nickname":"z","userCount":1} | leaves ${a.id}`,
      ]);
      assert.deepEqual(s.seen.get('side'), [
        `{"cmd":"8","nickname":"b","userCount":1} | except ${b.id} | joins ${b.id} Side 1`,
      ]);
    });

    it('a member it lost is announced as gone to its room as it is now, once', async (t) => {
      const s = await setup(t, ['lost', 'empty']);
      if (!s) return;
      const d = s.directory;
      const stays = member('stays', 'lost');
      await d.claim(stays, 10, true);
      const ghost = { nickname: 'ghost', room: 'Lost' };
      assert.equal(await d.release('node-a:never-listed', true, ghost), undefined);
      // Nobody is in an empty room to tell; a listed member is released as usual.
      await d.release('node-a:nowhere', true, { nickname: 'x', room: 'empty' });
      await d.release(stays.id, true, { nickname: 'stays', room: 'lost' });
      await eventually(() => s.seen.get('lost')?.length === 3, 'the announcements');
      assert.deepEqual(s.seen.get('lost'), [
        `{"cmd":"8","nickname":"stays","userCount":1} | except ${stays.id} | joins ${stays.id} lost 1`,
        `{"cmd":"30","nickname":"ghost","userCount":1} | leaves node-a:never-listed`,
        `{"cmd":"30","nickname":"stays","userCount":0} | leaves ${stays.id}`,
      ]);
      assert.equal(s.seen.get('empty'), undefined);
    });

    it('racing claims are announced in the order of their counts', async (t) => {
      const s = await setup(t, ['race']);
      if (!s) return;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => s.directory.claim(member(`r${i}`, 'race'), 10, true)),
      );
      assert.equal(results.filter((r) => r.ok).length, 10);
      await eventually(() => s.seen.get('race')?.length === 10, 'ten announcements');
      const counts = s.seen.get('race')!.map((l) => Number(/"userCount":(\d+)/.exec(l)![1]));
      assert.deepEqual(counts, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });
  });
}
