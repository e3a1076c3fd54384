/**
 * The contract every {@link RoomHistory} implementation passes (src/backends/room-history.ts):
 * {@link LocalRoomHistory} in front of the in-memory bus, and the cluster's on Redis. Each
 * implementation's test file calls {@link roomHistoryContract} with a factory for a fresh
 * history and a node that watches what it delivers.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Delivery, RoomDelivery } from '../../src/backends/bus.js';
import type { Appended, HistoryLimits, PageQuery } from '../../src/backends/history.js';
import type { RoomHistory } from '../../src/backends/room-history.js';
import { withSeq } from '../../src/protocol/encode.js';
import { eventually, WAIT_MS } from '../helpers.js';

/** The limits a test asks for; the rest are the defaults. */
export type RoomHistoryLimits = Partial<
  Pick<HistoryLimits, 'maxPerRoom' | 'maxAgeMs' | 'dedupeWindowMs' | 'dedupeWindowChats'>
>;

/** A history under test, and a node receiving what it delivers. */
export interface RoomHistoryFixture {
  readonly history: RoomHistory;
  /** Every delivery the watching node received, in order. */
  readonly deliveries: Delivery[];
  /** The watching node starts receiving a room (it has a member there). */
  watch(room: string): Promise<void>;
  /**
   * The room empties (its last member leaves, everywhere, as the directory does it) and the
   * watching node stops receiving it.
   */
  empty(room: string): Promise<void>;
}

/** Makes a fresh, empty history with these limits (undefined: skipped); the suite closes it. */
export type RoomHistoryFactory = (
  t: TestContext,
  limits: RoomHistoryLimits,
) => Promise<RoomHistoryFixture | undefined>;

const frameOf = (from: string, msg: string) =>
  Buffer.from(JSON.stringify({ cmd: '70', from, msg }) + '\n');

const seqs = (page: { messages: { seq: number }[] }) => page.messages.map((m) => m.seq);

export function roomHistoryContract(name: string, create: RoomHistoryFactory): void {
  describe(`RoomHistory contract: ${name}`, () => {
    const open = async (t: TestContext, limits: RoomHistoryLimits = {}) => {
      const fixture = await create(t, limits);
      if (!fixture) return undefined;
      t.after(() => fixture.history.close());
      const { history } = fixture;
      /** Publishes `msg` from alice (member `m-alice`) to `room`. */
      const say = async (room: string, msg: string, cid?: string) =>
        history.publish(
          room,
          cid === undefined ? { from: 'alice', msg } : { from: 'alice', msg, cid },
          frameOf('alice', msg),
          'm-alice',
        );
      const chats = (room: string) =>
        fixture.deliveries.filter((d): d is RoomDelivery => d.kind === 'room' && d.room === room);
      const page = async (room: string, query: PageQuery) => history.page(room, query);
      return { ...fixture, say, chats, page };
    };

    it('numbers each room 1, 2, 3... in publish order, rooms apart', async (t) => {
      const f = await open(t);
      if (!f) return;
      const got: string[] = [];
      for (const room of ['a', 'b', 'a', 'A', 'a', 'b']) {
        const appended = await f.say(room, `to ${room}`);
        assert.equal(appended.duplicate, false);
        await appended.durable;
        got.push(`${room}:${appended.seq}`);
      }
      assert.deepEqual(got, ['a:1', 'b:1', 'a:2', 'A:1', 'a:3', 'b:2']);
    });

    it('delivers each chat with its seq and ts for history members, skipping the sender', async (t) => {
      const f = await open(t);
      if (!f) return;
      await f.watch('lobby');
      const before = Date.now();
      const sent: Appended[] = [];
      for (let i = 1; i <= 3; i++) sent.push(await f.say('lobby', `hi ${i}`));
      await eventually(() => f.chats('lobby').length === 3, 'three deliveries');
      assert.deepEqual(
        sent.map((a) => a.seq),
        [1, 2, 3],
      );
      for (const [i, d] of f.chats('lobby').entries()) {
        const { seq, ts } = sent[i]!;
        // Whosever clock set it (the node's or Redis's): now, give or take.
        assert.ok(Math.abs(ts - before) < 60_000, `ts ${ts} is about now`);
        assert.ok(i === 0 || ts >= sent[i - 1]!.ts, 'ts does not go back');
        assert.equal(d.except, 'm-alice');
        assert.equal(Buffer.from(d.frame).toString(), frameOf('alice', `hi ${i + 1}`).toString());
        const expected = withSeq(frameOf('alice', `hi ${i + 1}`), seq, ts);
        assert.deepEqual(d.numbered, { seq, ts });
        assert.equal(withSeq(d.frame, seq, ts).toString(), expected.toString());
        assert.deepEqual(JSON.parse(expected.toString()), {
          cmd: '70',
          from: 'alice',
          msg: `hi ${i + 1}`,
          seq,
          ts,
        });
      }
      // Kept as delivered.
      const { messages } = await f.page('lobby', { limit: 10 });
      assert.deepEqual(
        messages,
        sent.map(({ seq, ts }, i) => ({ seq, ts, from: 'alice', msg: `hi ${i + 1}` })),
      );
    });

    it('answers a resent cid with the first chat, delivering and keeping nothing', async (t) => {
      const f = await open(t);
      if (!f) return;
      await f.watch('lobby');
      const first = await f.say('lobby', 'hello', 'c-1');
      await f.say('lobby', 'between');
      const again = await f.say('lobby', 'hello, edited', 'c-1');
      assert.deepEqual([again.seq, again.ts, again.duplicate], [first.seq, first.ts, true]);
      await again.durable;
      // The same cid in another room, or another cid, is another chat.
      const elsewhere = await f.say('kitchen', 'hello', 'c-1');
      assert.deepEqual([elsewhere.seq, elsewhere.duplicate], [1, false]);
      const other = await f.say('lobby', 'last', 'c-2');
      assert.deepEqual([other.seq, other.duplicate], [3, false]);
      await eventually(() => f.chats('lobby').length >= 3, 'the deliveries');
      const delivered = f.chats('lobby').map((d) => JSON.parse(Buffer.from(d.frame).toString()));
      assert.deepEqual(
        delivered.map((m: { msg: string }) => m.msg),
        ['hello', 'between', 'last'],
      );
      const { messages } = await f.page('lobby', { limit: 10 });
      assert.deepEqual(
        messages.map((m) => [m.seq, m.msg]),
        [
          [1, 'hello'],
          [2, 'between'],
          [3, 'last'],
        ],
      );
    });

    it('pages newest, before, after and between, ascending, saying whether there is more', async (t) => {
      const f = await open(t);
      if (!f) return;
      for (let i = 1; i <= 10; i++) await f.say('lobby', `m${i}`);
      const page = async (query: PageQuery) => {
        const result = await f.page('lobby', query);
        assert.equal(result.gap, false, JSON.stringify(query));
        return [seqs(result), result.more];
      };
      assert.deepEqual(await page({ limit: 3 }), [[8, 9, 10], true]);
      assert.deepEqual(await page({ limit: 10 }), [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], false]);
      assert.deepEqual(await page({ before: 5, limit: 3 }), [[2, 3, 4], true]);
      assert.deepEqual(await page({ before: 4, limit: 3 }), [[1, 2, 3], false]);
      assert.deepEqual(await page({ before: 1, limit: 3 }), [[], false]);
      assert.deepEqual(await page({ before: 99, limit: 1 }), [[10], true]);
      assert.deepEqual(await page({ after: 0, limit: 4 }), [[1, 2, 3, 4], true]);
      assert.deepEqual(await page({ after: 7, limit: 3 }), [[8, 9, 10], false]);
      assert.deepEqual(await page({ after: 10, limit: 3 }), [[], false]);
      assert.deepEqual(await page({ after: 2, before: 6, limit: 2 }), [[3, 4], true]);
      assert.deepEqual(await page({ after: 2, before: 6, limit: 3 }), [[3, 4, 5], false]);
      assert.deepEqual(await page({ after: 5, before: 6, limit: 3 }), [[], false]);
      assert.deepEqual(await f.page('elsewhere', { after: 0, limit: 5 }), {
        messages: [],
        more: false,
        gap: false,
      });
      // Beyond the last seq: chats the client saw are not here (history lost, numbering anew).
      assert.equal((await f.page('lobby', { after: 11, limit: 3 })).gap, true);
      assert.equal((await f.page('elsewhere', { after: 3, limit: 3 })).gap, true);
      for (const query of [{ limit: 0 }, { limit: 1.5 }, { before: 2.5, limit: 1 }]) {
        await assert.rejects(async () => f.page('lobby', query), RangeError);
      }
    });

    it('keeps the last maxPerRoom chats, and says gap when after is older than those', async (t) => {
      const f = await open(t, { maxPerRoom: 3 });
      if (!f) return;
      for (let i = 1; i <= 6; i++) await f.say('lobby', `m${i}`);
      // Removed at once, or by the next sweep.
      let newest = await f.page('lobby', { limit: 10 });
      for (const deadline = Date.now() + WAIT_MS; seqs(newest).length > 3;) {
        if (Date.now() > deadline) assert.fail(`still kept: ${seqs(newest).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
        newest = await f.page('lobby', { limit: 10 });
      }
      assert.deepEqual([seqs(newest), newest.more, newest.gap], [[4, 5, 6], false, false]);
      const page = async (query: PageQuery) => {
        const result = await f.page('lobby', query);
        return [seqs(result), result.more, result.gap];
      };
      assert.deepEqual(await page({ after: 0, limit: 10 }), [[4, 5, 6], false, true]);
      assert.deepEqual(await page({ after: 2, limit: 2 }), [[4, 5], true, true]);
      assert.deepEqual(await page({ after: 3, limit: 10 }), [[4, 5, 6], false, false]);
      assert.deepEqual(await page({ after: 6, limit: 10 }), [[], false, false]);
      assert.deepEqual(await page({ before: 5, limit: 10 }), [[4], false, false]);
      assert.deepEqual(await page({ before: 4, limit: 10 }), [[], false, false]);
    });

    it('never hands out a seq twice, also after the room emptied and opened again', async (t) => {
      const f = await open(t);
      if (!f) return;
      await f.watch('lobby');
      await f.say('lobby', 'one');
      await f.say('lobby', 'two');
      await eventually(() => f.chats('lobby').length === 2, 'the first two');
      await f.empty('lobby');
      await f.watch('lobby');
      const third = await f.say('lobby', 'three');
      assert.equal(third.seq, 3);
      await eventually(() => f.chats('lobby').length === 3, 'the third');
      const last = f.chats('lobby')[2]!;
      assert.equal(last.numbered?.seq, 3);
      assert.deepEqual(seqs(await f.page('lobby', { limit: 10 })), [1, 2, 3]);
      assert.deepEqual(
        f.deliveries.filter((d) => d.kind === 'gap'),
        [],
        'nothing reported missing',
      );
    });
  });
}
