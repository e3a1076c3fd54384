/**
 * The contract every {@link HistoryStore} implementation passes (src/backends/history.ts). Each
 * implementation's test file calls {@link historyContract} with a factory for fresh, empty
 * stores; the suite gives the options, a fake clock's timers among them, so that the sweep and
 * the windows move only when a test moves time.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type {
  HistoryChat,
  HistoryOptions,
  HistoryStore,
  HistoryTimers,
} from '../../src/backends/history.js';
import { FakeClock } from '../fake-clock.js';

/** 2025-01-01T00:00:00Z: the wall clock a test's fake clock starts at. */
const EPOCH = Date.UTC(2025, 0, 1);
const SWEEP_MS = 1000;

/** Makes a fresh, empty store with these options; the suite closes it. */
export type HistoryFactory = (
  t: TestContext,
  options: HistoryOptions,
) => HistoryStore | Promise<HistoryStore>;

/** A store under test and the time it sees. */
interface Fixture {
  store: HistoryStore;
  clock: FakeClock;
  /** Wall-clock milliseconds, as the store sees them. */
  now(): number;
  chat(msg: string, cid?: string): HistoryChat;
  /** `n` chats `m1`..`mn` (from `first`), appended to `room`. */
  fill(room: string, n: number, first?: number): void;
}

const seqs = (page: { messages: { seq: number }[] }) => page.messages.map((m) => m.seq);

export function historyContract(name: string, create: HistoryFactory): void {
  describe(`HistoryStore contract: ${name}`, () => {
    const open = async (t: TestContext, limits: HistoryOptions = {}): Promise<Fixture> => {
      const clock = new FakeClock(0);
      const now = () => EPOCH + clock.now();
      const store = await create(t, { sweepIntervalMs: SWEEP_MS, ...limits, now, timers: clock });
      t.after(() => store.close());
      const chat = (msg: string, cid?: string): HistoryChat =>
        cid === undefined
          ? { from: 'alice', msg, ts: now() }
          : { from: 'alice', msg, ts: now(), cid };
      const fill = (room: string, n: number, first = 1) => {
        for (let i = first; i < first + n; i++) store.append(room, chat(`m${i}`));
      };
      return { store, clock, now, chat, fill };
    };

    it('numbers each room from 1 in call order, rooms apart, keys taken as they are', async (t) => {
      const { store, chat } = await open(t);
      const got: string[] = [];
      for (const room of ['a', 'b', 'a', 'A', 'a', ' a', 'b']) {
        const appended = store.append(room, chat(`to ${room}`));
        assert.equal(appended.duplicate, false);
        got.push(`${room}:${appended.seq}`);
      }
      assert.deepEqual(got, ['a:1', 'b:1', 'a:2', 'A:1', 'a:3', ' a:1', 'b:2']);
      assert.equal(store.lastSeq('a'), 3);
      assert.equal(store.lastSeq('b'), 2);
      assert.equal(store.lastSeq('nowhere'), 0);
    });

    it('returns the chat as given and reads its own writes before they are durable', async (t) => {
      const { store, now } = await open(t);
      const ts = now() - 5;
      const appended = store.append('lobby', { from: '봄', msg: 'a "quoted" line\n', ts });
      assert.equal(appended.ts, ts);
      assert.deepEqual(store.page('lobby', { limit: 10 }).messages, [
        { seq: 1, ts, from: '봄', msg: 'a "quoted" line\n' },
      ]);
      await appended.durable;
      assert.deepEqual(seqs(store.page('lobby', { limit: 10 })), [1]);
    });

    it('pages newest, before, after and between, ascending, saying whether there is more', async (t) => {
      const { store, fill } = await open(t);
      fill('lobby', 10);
      const page = (query: { before?: number; after?: number; limit: number }) => {
        const { messages, more, gap } = store.page('lobby', query);
        assert.equal(gap, false);
        return [messages.map((m) => m.seq), more];
      };
      assert.deepEqual(page({ limit: 3 }), [[8, 9, 10], true]);
      assert.deepEqual(page({ limit: 10 }), [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], false]);
      assert.deepEqual(page({ limit: 200 }), [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], false]);
      assert.deepEqual(page({ before: 5, limit: 3 }), [[2, 3, 4], true]);
      assert.deepEqual(page({ before: 4, limit: 3 }), [[1, 2, 3], false]);
      assert.deepEqual(page({ before: 1, limit: 3 }), [[], false]);
      assert.deepEqual(page({ before: 99, limit: 1 }), [[10], true]);
      assert.deepEqual(page({ after: 0, limit: 4 }), [[1, 2, 3, 4], true]);
      assert.deepEqual(page({ after: 6, limit: 3 }), [[7, 8, 9], true]);
      assert.deepEqual(page({ after: 7, limit: 3 }), [[8, 9, 10], false]);
      assert.deepEqual(page({ after: 10, limit: 3 }), [[], false]);
      assert.deepEqual(page({ after: 2, before: 6, limit: 2 }), [[3, 4], true]);
      assert.deepEqual(page({ after: 2, before: 6, limit: 3 }), [[3, 4, 5], false]);
      assert.deepEqual(page({ after: 5, before: 6, limit: 3 }), [[], false]);
      const [first] = store.page('lobby', { after: 0, limit: 1 }).messages;
      assert.deepEqual(Object.keys(first!).sort(), ['from', 'msg', 'seq', 'ts']);
      assert.equal(first!.msg, 'm1');
    });

    it('answers a room never written to with an empty page', async (t) => {
      const { store, fill } = await open(t);
      fill('lobby', 3);
      for (const query of [{ limit: 5 }, { after: 0, limit: 5 }, { before: 9, limit: 5 }]) {
        assert.deepEqual(store.page('elsewhere', query), { messages: [], more: false, gap: false });
      }
    });

    it('says gap when after is beyond the last seq: the client saw chats the store lacks', async (t) => {
      const { store, fill } = await open(t);
      fill('lobby', 3);
      const last = store.lastSeq('lobby');
      assert.equal(store.page('lobby', { after: last, limit: 5 }).gap, false);
      assert.deepEqual(store.page('lobby', { after: last + 1, limit: 5 }), {
        messages: [],
        more: false,
        gap: true,
      });
      assert.equal(store.page('elsewhere', { after: 7, limit: 5 }).gap, true);
    });

    it('refuses a limit that is not a positive integer, and seqs that are no integers', async (t) => {
      const { store, fill, chat } = await open(t);
      fill('lobby', 3);
      for (const limit of [0, -1, 1.5, NaN, Infinity]) {
        assert.throws(() => store.page('lobby', { limit }), RangeError, `limit ${limit}`);
      }
      assert.throws(() => store.page('lobby', { before: 2.5, limit: 1 }), RangeError);
      assert.throws(() => store.page('lobby', { after: NaN, limit: 1 }), RangeError);
      assert.throws(() => store.append('lobby', { ...chat('x'), ts: 1.5 }), RangeError);
      assert.equal(store.lastSeq('lobby'), 3, 'a refused chat takes no seq');
    });

    it('refuses limits that are not positive (Infinity only for the age)', async (t) => {
      for (const limits of [
        { maxPerRoom: 0 },
        { maxPerRoom: 2.5 },
        { maxAgeMs: -1 },
        { dedupeWindowMs: Infinity },
        { dedupeWindowChats: 0 },
        { sweepIntervalMs: 0 },
        { sweepBatch: NaN },
      ]) {
        await assert.rejects(async () => create(t, limits), RangeError, JSON.stringify(limits));
      }
      const { store, fill } = await open(t, { maxAgeMs: Infinity });
      fill('lobby', 2);
      assert.equal(store.lastSeq('lobby'), 2);
    });

    it('acknowledges a resent cid with the first chat and stores nothing', async (t) => {
      const { store, chat, clock } = await open(t);
      const first = store.append('lobby', chat('hello', 'c-1'));
      clock.advance(5000);
      store.append('lobby', chat('between'));
      const again = store.append('lobby', chat('hello, edited', 'c-1'));
      assert.equal(again.duplicate, true);
      assert.equal(again.seq, first.seq);
      assert.equal(again.ts, first.ts);
      await again.durable;
      assert.equal(store.lastSeq('lobby'), 2);
      assert.deepEqual(
        store.page('lobby', { limit: 10 }).messages.map((m) => m.msg),
        ['hello', 'between'],
      );
      // The same cid in another room, or another cid, is another chat.
      assert.deepEqual(
        [
          store.append('kitchen', chat('hello', 'c-1')),
          store.append('lobby', chat('x', 'c-2')),
        ].map((a) => [a.seq, a.duplicate]),
        [
          [1, false],
          [3, false],
        ],
      );
    });

    it('remembers a cid for the window in time, however many chats follow', async (t) => {
      const { store, chat, clock, fill } = await open(t, {
        dedupeWindowMs: 60_000,
        dedupeWindowChats: 3,
      });
      const first = store.append('lobby', chat('once', 'c-1'));
      fill('lobby', 10);
      clock.advance(59_999);
      assert.equal(store.append('lobby', chat('once', 'c-1')).seq, first.seq);
      clock.advance(1);
      const later = store.append('lobby', chat('once more', 'c-1'));
      assert.deepEqual([later.seq, later.duplicate], [12, false]);
      // Accepted again, the cid now stands for the new chat.
      assert.equal(store.append('lobby', chat('once more', 'c-1')).seq, 12);
    });

    it('remembers a cid for the window in chats, however long ago', async (t) => {
      const { store, chat, clock, fill } = await open(t, {
        dedupeWindowMs: 60_000,
        dedupeWindowChats: 5,
      });
      store.append('lobby', chat('once', 'c-1'));
      fill('lobby', 4);
      clock.advance(10 * 60_000);
      assert.deepEqual(store.append('lobby', chat('once', 'c-1')).seq, 1, 'among the last 5');
      fill('lobby', 1, 5);
      const later = store.append('lobby', chat('once', 'c-1'));
      assert.deepEqual([later.seq, later.duplicate], [7, false]);
    });

    it('keeps the last maxPerRoom chats, and says gap when after is older', async (t) => {
      const { store, clock, fill, chat } = await open(t, { maxPerRoom: 5 });
      fill('lobby', 12);
      fill('kitchen', 3);
      clock.advance(SWEEP_MS);
      const newest = store.page('lobby', { limit: 50 });
      assert.deepEqual([seqs(newest), newest.more, newest.gap], [[8, 9, 10, 11, 12], false, false]);
      assert.deepEqual(seqs(store.page('kitchen', { limit: 50 })), [1, 2, 3]);
      const before = store.page('lobby', { before: 10, limit: 50 });
      assert.deepEqual([seqs(before), before.more, before.gap], [[8, 9], false, false]);
      for (const [after, gap] of [
        [0, true],
        [6, true],
        [7, false],
        [9, false],
      ] as const) {
        const page = store.page('lobby', { after, limit: 50 });
        assert.equal(page.gap, gap, `after ${after}`);
        assert.deepEqual(
          seqs(page),
          [8, 9, 10, 11, 12].filter((s) => s > after),
        );
      }
      assert.equal(store.page('kitchen', { after: 0, limit: 50 }).gap, false);
      // Numbering goes on where it was.
      assert.equal(store.append('lobby', chat('next')).seq, 13);
      assert.equal(store.lastSeq('lobby'), 13);
    });

    it('removes chats older than maxAgeMs, and keeps their numbers used', async (t) => {
      const { store, clock, fill } = await open(t, { maxAgeMs: 60_000 });
      fill('lobby', 3);
      clock.advance(30_000);
      fill('lobby', 2, 4);
      clock.advance(30_000 + SWEEP_MS);
      const page = store.page('lobby', { after: 0, limit: 50 });
      assert.deepEqual([seqs(page), page.gap], [[4, 5], true]);
      assert.equal(store.page('lobby', { after: 3, limit: 50 }).gap, false);
      clock.advance(30_000);
      assert.deepEqual(store.page('lobby', { limit: 50 }), {
        messages: [],
        more: false,
        gap: false,
      });
      assert.equal(store.page('lobby', { after: 5, limit: 50 }).gap, false);
      assert.equal(store.page('lobby', { after: 4, limit: 50 }).gap, true);
      assert.equal(store.lastSeq('lobby'), 5);
      fill('lobby', 1);
      assert.equal(store.lastSeq('lobby'), 6);
    });

    it('removes a long backlog in bounded steps, all within one sweep', async (t) => {
      const clock = new FakeClock(0);
      let steps = 0;
      // The sweep's timers, counting the steps that follow at once (0 ms).
      const timers: HistoryTimers = {
        setTimeout: (callback, ms) => {
          if (ms === 0) steps++;
          return clock.setTimeout(callback, ms);
        },
        clearTimeout: (timer) => clock.clearTimeout(timer as never),
      };
      const now = () => EPOCH + clock.now();
      const store = await create(t, {
        sweepIntervalMs: SWEEP_MS,
        sweepBatch: 3,
        maxPerRoom: 2,
        now,
        timers,
      });
      t.after(() => store.close());
      for (let i = 0; i < 25; i++) {
        store.append('a', { from: 'x', msg: `a${i}`, ts: now() });
        store.append('b', { from: 'x', msg: `b${i}`, ts: now() });
      }
      clock.advance(SWEEP_MS);
      assert.deepEqual(seqs(store.page('a', { limit: 50 })), [24, 25]);
      assert.deepEqual(seqs(store.page('b', { limit: 50 })), [24, 25]);
      assert.ok(steps >= 46 / 3 - 1, `46 rows in steps of 3 (${steps} more steps)`);
    });

    it('remembers cids of chats that retention removed', async (t) => {
      const { store, clock, fill, chat } = await open(t, { maxPerRoom: 2 });
      store.append('lobby', chat('first', 'c-1'));
      fill('lobby', 5);
      clock.advance(SWEEP_MS);
      assert.deepEqual(seqs(store.page('lobby', { limit: 50 })), [5, 6]);
      const again = store.append('lobby', chat('first', 'c-1'));
      assert.deepEqual([again.seq, again.duplicate], [1, true]);
    });

    it('forgets a cid once past both windows, and not before, whatever the sweep did', async (t) => {
      const { store, clock, chat } = await open(t, {
        dedupeWindowMs: 10_000,
        dedupeWindowChats: 2,
      });
      store.append('lobby', chat('a', 'c-1'));
      store.append('lobby', chat('b', 'c-2'));
      store.append('lobby', chat('c', 'c-3'));
      clock.advance(SWEEP_MS * 5);
      // Past the window in chats, not in time.
      assert.equal(store.append('lobby', chat('a', 'c-1')).duplicate, true);
      clock.advance(10_000);
      // Past the window in time; c-2 and c-3 are still among the last 2 seqs, c-1 is not.
      assert.equal(store.append('lobby', chat('c', 'c-3')).duplicate, true);
      assert.equal(store.append('lobby', chat('b', 'c-2')).duplicate, true);
      assert.equal(store.append('lobby', chat('a', 'c-1')).seq, 4);
      // Seq 4 pushed c-2 out of the last 2, seq 5 c-3.
      assert.equal(store.append('lobby', chat('b', 'c-2')).seq, 5);
      assert.equal(store.append('lobby', chat('c', 'c-3')).seq, 6);
    });

    it('writes what is pending at close, refuses appends after it, closes twice', async (t) => {
      const { store, chat, clock } = await open(t);
      const appended = store.append('lobby', chat('last words'));
      await store.close();
      await appended.durable;
      assert.equal(clock.timers, 0, 'the sweep stopped');
      assert.throws(() => store.append('lobby', chat('too late')), /closed/);
      await store.close();
    });
  });
}
