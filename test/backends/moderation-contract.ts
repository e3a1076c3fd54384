/**
 * The contract every {@link ModerationStore} implementation passes (src/backends/moderation.ts).
 * Each implementation's test file calls {@link moderationContract} with a factory for fresh,
 * empty stores; the suite gives the options, a fake clock among them, so that entries expire
 * only when a test moves time. The clock starts at the real time, so that a store which also
 * lets its storage expire entries (Redis) keeps them for as long as the test needs.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type {
  Ban,
  ModerationChange,
  ModerationOptions,
  ModerationStore,
} from '../../src/backends/moderation.js';
import { AddressError } from '../../src/moderation/address-match.js';
import { FakeClock } from '../fake-clock.js';
import { eventually } from '../helpers.js';

/** Makes a fresh, empty store with these options (undefined: skipped); the suite closes it. */
export type ModerationFactory = (
  t: TestContext,
  options: ModerationOptions,
) => Promise<ModerationStore | undefined>;

const HOUR = 3_600_000;
const ids = (entries: { id: string }[]) => entries.map((e) => e.id);
const targets = (bans: Ban[]) => bans.map((b) => b.target);

export function moderationContract(name: string, create: ModerationFactory): void {
  describe(`ModerationStore contract: ${name}`, () => {
    const open = async (t: TestContext, more: ModerationOptions = {}) => {
      const clock = new FakeClock(0);
      const start = Date.now();
      const now = () => start + clock.now();
      const store = await create(t, { now, ...more });
      if (!store) return undefined;
      t.after(() => store.close());
      const changes: ModerationChange[] = [];
      store.onChange((change) => changes.push(change));
      /** The changes told so far, once `count` have come, as `type target` strings. */
      const told = async (count: number) => {
        await eventually(() => changes.length >= count, `${count} changes`);
        return changes.map((c) =>
          c.type === 'resync' ? c.type : `${c.type} ${'ban' in c ? c.ban.target : c.mute.nickname}`,
        );
      };
      return { store, clock, now, changes, told };
    };

    it('bans a nickname, and finds it under every nickname that is the same', async (t) => {
      const fx = await open(t);
      if (!fx) return;
      const { store, now } = fx;
      const ban = await store.addBan({ nickname: 'Alice', reason: 'spam', by: 'root' });
      assert.deepEqual(
        { ...ban, id: undefined },
        {
          id: undefined,
          kind: 'nickname',
          target: 'Alice',
          reason: 'spam',
          by: 'root',
          createdAt: now(),
          expiresAt: null,
        },
      );
      assert.equal(typeof ban.id, 'string');
      for (const same of ['Alice', 'alice', 'ALICE', 'Ａｌｉｃｅ', '\u0410lice', 'A\u0399ice']) {
        const client = { nickname: same, address: '192.0.2.1' };
        assert.deepEqual(await store.findBan(client), ban, same);
      }
      for (const other of ['Alicia', 'bob', '']) {
        assert.equal(await store.findBan({ nickname: other, address: '192.0.2.1' }), undefined);
      }
      assert.deepEqual(await store.listBans(), [ban]);
      const noReason = await store.addBan({ nickname: '봄', by: 'root' });
      assert.equal(noReason.reason, '');
    });

    it('bans addresses and blocks in canonical text, matching IPv4 in either form', async (t) => {
      const fx = await open(t);
      if (!fx) return;
      const { store } = fx;
      const one = await store.addBan({ address: '::ffff:192.0.2.7', by: 'root' });
      const block = await store.addBan({ address: '10.1.2.3/8', reason: 'abuse', by: 'root' });
      const v6 = await store.addBan({ address: '2001:DB8:0::/32', by: 'root' });
      assert.deepEqual(
        [one, block, v6].map((b) => [b.kind, b.target]),
        [
          ['address', '192.0.2.7'],
          ['address', '10.0.0.0/8'],
          ['address', '2001:db8::/32'],
        ],
      );
      const find = (address: string) => store.findBan({ nickname: 'anyone', address });
      assert.deepEqual(await find('192.0.2.7'), one);
      assert.deepEqual(await find('::ffff:10.200.0.1'), block);
      assert.deepEqual(await find('10.255.255.255'), block);
      assert.deepEqual(await find('2001:db8:1::5'), v6);
      for (const free of ['192.0.2.8', '11.0.0.1', '2001:db9::1', 'pipe', '']) {
        assert.equal(await find(free), undefined, free);
      }
      assert.deepEqual(targets(await store.listBans()), [
        '192.0.2.7',
        '10.0.0.0/8',
        '2001:db8::/32',
      ]);
    });

    it('keeps one ban per target: a new one replaces the old, told as unban then ban', async (t) => {
      const fx = await open(t);
      if (!fx) return;
      const { store, told } = fx;
      const first = await store.addBan({ nickname: 'Alice', reason: 'one', by: 'root' });
      const second = await store.addBan({ nickname: 'ALICE', reason: 'two', by: 'admin' });
      assert.notEqual(second.id, first.id);
      assert.deepEqual(await store.listBans(), [second]);
      const block = await store.addBan({ address: '10.0.0.0/8', by: 'root' });
      const narrower = await store.addBan({ address: '10.1.0.0/16', by: 'root' });
      const again = await store.addBan({ address: '::ffff:10.9.9.9/104', reason: 'r', by: 'x' });
      assert.deepEqual(ids(await store.listBans()), ids([second, narrower, again]));
      assert.notEqual(again.id, block.id);
      assert.deepEqual(await told(7), [
        'ban Alice',
        'unban Alice',
        'ban ALICE',
        'ban 10.0.0.0/8',
        'ban 10.1.0.0/16',
        'unban 10.0.0.0/8',
        'ban 10.0.0.0/8',
      ]);
    });

    it('lifts the bans of a target: a nickname by any of its forms, a block exactly', async (t) => {
      const fx = await open(t);
      if (!fx) return;
      const { store, told } = fx;
      const alice = await store.addBan({ nickname: 'Alice', by: 'root' });
      const wide = await store.addBan({ address: '10.0.0.0/8', by: 'root' });
      const narrow = await store.addBan({ address: '10.1.0.0/16', by: 'root' });
      assert.deepEqual(await store.removeBan({ nickname: 'ａｌｉｃｅ' }), [alice]);
      assert.deepEqual(await store.removeBan({ nickname: 'alice' }), []);
      assert.equal(await store.findBan({ nickname: 'Alice', address: '192.0.2.1' }), undefined);
      assert.deepEqual(await store.removeBan({ address: '10.1.2.3/16' }), [narrow]);
      assert.deepEqual(await store.findBan({ nickname: 'x', address: '10.1.0.1' }), wide);
      assert.deepEqual(await store.removeBan({ address: '10.0.0.1' }), []);
      assert.deepEqual(await store.listBans(), [wide]);
      assert.deepEqual((await told(5)).slice(3), ['unban Alice', 'unban 10.1.0.0/16']);
    });

    it('ends a ban at its expiry: never found or listed after, nor lifted again', async (t) => {
      const fx = await open(t);
      if (!fx) return;
      const { store, clock, now } = fx;
      const timed = await store.addBan({ nickname: 'alice', by: 'root', durationMs: HOUR });
      assert.equal(timed.expiresAt, now() + HOUR);
      const block = await store.addBan({ address: '10.0.0.0/8', by: 'root', durationMs: 2 * HOUR });
      clock.advance(HOUR - 1);
      assert.deepEqual(await store.findBan({ nickname: 'alice', address: '::1' }), timed);
      clock.advance(1);
      assert.equal(await store.findBan({ nickname: 'alice', address: '::1' }), undefined);
      assert.deepEqual(await store.listBans(), [block]);
      assert.deepEqual(await store.removeBan({ nickname: 'alice' }), []);
      clock.advance(HOUR);
      assert.equal(await store.findBan({ nickname: 'alice', address: '10.0.0.1' }), undefined);
      assert.deepEqual(await store.listBans(), []);
      // A new ban of an expired target is a ban like any other.
      const again = await store.addBan({ nickname: 'ALICE', by: 'root', durationMs: HOUR });
      assert.deepEqual(await store.findBan({ nickname: 'alice', address: '::1' }), again);
    });

    it('finds, of several matching bans, the one that ends last, then the newest', async (t) => {
      const fx = await open(t);
      if (!fx) return;
      const { store, clock } = fx;
      const client = { nickname: 'mallory', address: '::ffff:203.0.113.9' };
      const short = await store.addBan({ nickname: 'Mallory', by: 'a', durationMs: HOUR });
      const long = await store.addBan({ address: '203.0.113.0/24', by: 'a', durationMs: 5 * HOUR });
      await store.addBan({ address: '203.0.113.9', by: 'a', durationMs: 2 * HOUR });
      assert.deepEqual(await store.findBan(client), long);
      const forever = await store.addBan({ address: '203.0.0.0/16', by: 'a' });
      assert.deepEqual(await store.findBan(client), forever);
      clock.advance(1000);
      const newest = await store.addBan({ address: '::/0', by: 'a' });
      assert.deepEqual(await store.findBan(client), newest);
      assert.deepEqual(await store.findBan({ nickname: 'mallory', address: 'pipe' }), short);
    });

    it('mutes a nickname until it ends or is lifted; one mute per nickname', async (t) => {
      const fx = await open(t);
      if (!fx) return;
      const { store, clock, now, told } = fx;
      const mute = await store.addMute({ nickname: 'Bob', by: 'root', durationMs: HOUR });
      assert.deepEqual(
        { ...mute, id: undefined },
        {
          id: undefined,
          nickname: 'Bob',
          reason: '',
          by: 'root',
          createdAt: now(),
          expiresAt: now() + HOUR,
        },
      );
      assert.deepEqual(await store.findMute('BOB'), mute);
      assert.deepEqual(await store.findMute('ｂｏｂ'), mute);
      assert.equal(await store.findMute('bobby'), undefined);
      const longer = await store.addMute({
        nickname: 'bob',
        reason: 'flood',
        by: 'x',
        durationMs: 2 * HOUR,
      });
      const carol = await store.addMute({ nickname: 'carol', by: 'root' });
      assert.deepEqual(await store.listMutes(), [longer, carol]);
      assert.deepEqual(await store.findMute('Bob'), longer);
      clock.advance(2 * HOUR);
      assert.equal(await store.findMute('Bob'), undefined);
      assert.deepEqual(await store.listMutes(), [carol]);
      assert.deepEqual(await store.removeMute('bob'), []);
      assert.deepEqual(await store.removeMute('CAROL'), [carol]);
      assert.equal(await store.findMute('carol'), undefined);
      assert.deepEqual(await store.listMutes(), []);
      assert.deepEqual(await told(5), [
        'mute Bob',
        'unmute Bob',
        'mute bob',
        'mute carol',
        'unmute carol',
      ]);
    });

    it('refuses what it cannot keep, changing nothing', async (t) => {
      const fx = await open(t);
      if (!fx) return;
      const { store } = fx;
      const bad: [() => Promise<unknown>, (err: unknown) => boolean][] = [
        [() => store.addBan({ nickname: 'a', address: '10.0.0.1', by: 'r' } as never), isRange],
        [() => store.addBan({ by: 'r' } as never), isRange],
        [() => store.addBan({ nickname: '', by: 'r' }), isRange],
        [() => store.addBan({ address: '10.0.0.0/33', by: 'r' }), (e) => e instanceof AddressError],
        [
          () => store.addBan({ address: 'fe80::1%eth0', by: 'r' }),
          (e) => e instanceof AddressError,
        ],
        [() => store.addBan({ nickname: 'a', by: '' }), isRange],
        [() => store.addBan({ nickname: 'a', by: 'r', reason: 5 as never }), isRange],
        [() => store.removeBan({ address: 'nowhere' }), (e) => e instanceof AddressError],
        [() => store.addMute({ nickname: 'a', by: 'r', durationMs: 1.5 }), isRange],
        [() => store.appendAudit({ by: 'r', action: '' }), isRange],
        [() => store.appendAudit({ by: 'r', action: 'x', details: { a: {} as never } }), isRange],
        [() => store.appendAudit({ by: 'r', action: 'x', details: { a: NaN } }), isRange],
        [() => store.readAudit({ limit: 0 }), isRange],
        [() => store.readAudit({ limit: 1, before: 1.5 }), isRange],
      ];
      for (const duration of [0, -1, 1.5, NaN, Infinity]) {
        bad.push([() => store.addBan({ nickname: 'a', by: 'r', durationMs: duration }), isRange]);
      }
      for (const [call, check] of bad) await assert.rejects(call(), check);
      assert.deepEqual(await store.listBans(), []);
      assert.deepEqual(await store.listMutes(), []);
      assert.deepEqual(await store.readAudit({ limit: 10 }), { entries: [], more: false });
    });

    it('records the audit log and reads it newest first, a page at a time', async (t) => {
      const fx = await open(t);
      if (!fx) return;
      const { store, clock, now } = fx;
      const first = await store.appendAudit({ by: 'root', action: 'oper' });
      assert.deepEqual(
        { ...first, id: 0 },
        { id: 0, at: now(), by: 'root', action: 'oper', target: '', reason: '', details: {} },
      );
      const details = {
        id: '12',
        expiresAt: 1_900_000_000_123,
        permanent: false,
        note: null,
        봄: 'ü "q"\n',
      };
      clock.advance(5);
      const ban = await store.appendAudit({
        by: 'root',
        action: 'ban',
        target: 'Alice',
        reason: 'spam',
        details,
      });
      assert.deepEqual(ban.details, details);
      assert.equal(ban.at, now());
      const rest = [];
      for (let i = 0; i < 5; i++)
        rest.push(await store.appendAudit({ by: '192.0.2.1', action: 'oper-failed' }));
      const all = [first, ban, ...rest];
      for (let i = 1; i < all.length; i++) assert.ok(all[i]!.id > all[i - 1]!.id);
      const newest = all.map((e) => e.id).reverse();
      const page1 = await store.readAudit({ limit: 3 });
      assert.deepEqual([page1.entries.map((e) => e.id), page1.more], [newest.slice(0, 3), true]);
      const page2 = await store.readAudit({ limit: 3, before: page1.entries[2]!.id });
      assert.deepEqual([page2.entries.map((e) => e.id), page2.more], [newest.slice(3, 6), true]);
      const page3 = await store.readAudit({ limit: 3, before: page2.entries[2]!.id });
      assert.deepEqual([page3.entries.map((e) => e.id), page3.more], [newest.slice(6), false]);
      assert.deepEqual(page3.entries[0], first);
      const whole = await store.readAudit({ limit: 100 });
      assert.deepEqual(whole.entries[5], ban);
      assert.equal(whole.more, false);
      assert.deepEqual(await store.readAudit({ limit: 5, before: first.id }), {
        entries: [],
        more: false,
      });
    });

    it('tells every listener of each change until it stops listening', async (t) => {
      const errors: unknown[] = [];
      const fx = await open(t, { onError: (e) => errors.push(e) });
      if (!fx) return;
      const { store, told } = fx;
      const mine: string[] = [];
      store.onChange(() => {
        throw new Error('a listener that fails');
      });
      const stop = store.onChange((c) => mine.push(c.type));
      await store.addBan({ nickname: 'eve', by: 'root' });
      await store.addMute({ nickname: 'eve', by: 'root' });
      await told(2);
      stop();
      await store.removeBan({ nickname: 'eve' });
      await store.removeMute('eve');
      assert.deepEqual(await told(4), ['ban eve', 'mute eve', 'unban eve', 'unmute eve']);
      assert.deepEqual(mine, ['ban', 'mute']);
      assert.equal(errors.length, 4);
      assert.match(String(errors[0]), /a listener that fails/);
      await store.appendAudit({ by: 'root', action: 'ban' });
      assert.equal(fx.changes.length, 4, 'the audit log is not a change');
    });

    it('closes once, and refuses every call after', async (t) => {
      const fx = await open(t);
      if (!fx) return;
      const { store } = fx;
      await store.close();
      await store.close();
      await assert.rejects(store.addBan({ nickname: 'a', by: 'r' }), /closed/);
      await assert.rejects(store.findBan({ nickname: 'a', address: '::1' }), /closed/);
      await assert.rejects(store.readAudit({ limit: 1 }), /closed/);
    });
  });
}

function isRange(err: unknown): boolean {
  return err instanceof RangeError;
}
