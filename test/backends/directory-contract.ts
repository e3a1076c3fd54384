/**
 * The contract every {@link Directory} implementation passes. Each implementation has a test
 * file that calls {@link directoryContract} with a factory for fresh, empty directories.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Directory, NewMember } from '../../src/backends/directory.js';

let serial = 0;
function member(nickname: string, room = 'lobby', node = 'node-a'): NewMember {
  return { id: `${node}:${serial++}`, nickname, room, ip: '127.0.0.1', port: 40000 + serial, node };
}

/**
 * @param create makes a fresh, empty directory for a test (for a shared one: a fresh key space),
 *   or undefined when its storage is not available (the factory skips or fails the test)
 */
export function directoryContract(
  name: string,
  create: (t: TestContext) => Promise<Directory | undefined>,
): void {
  describe(`Directory contract: ${name}`, () => {
    const fresh = async (t: TestContext) => {
      const directory = await create(t);
      if (!directory) return undefined;
      t.after(() => directory.close());
      return directory;
    };

    it('claims a nickname and a seat, counting the new member', async (t) => {
      const d = await fresh(t);
      if (!d) return;
      assert.deepEqual(await d.claim(member('alice'), 10, true), {
        ok: true,
        room: 'lobby',
        userCount: 1,
      });
      assert.deepEqual(await d.claim(member('bob'), 10, true), {
        ok: true,
        room: 'lobby',
        userCount: 2,
      });
    });

    it('refuses a taken nickname (any case) before checking capacity', async (t) => {
      const d = await fresh(t);
      if (!d) return;
      await d.claim(member('alice'), 1, true);
      assert.deepEqual(await d.claim(member('ALICE'), 1, true), {
        ok: false,
        reason: 'nickname-taken',
      });
      assert.deepEqual(await d.claim(member('bob'), 1, true), { ok: false, reason: 'room-full' });
    });

    it('refuses look-alikes of a held nickname, in lower case and among capitals', async (t) => {
      const d = await fresh(t);
      if (!d) return;
      const tom = member('TOM');
      await d.claim(tom, 10, true);
      await d.claim(member('Alice'), 10, true);
      // Cyrillic capitals, a capital I for an l: only their skeletons with case kept match.
      for (const nickname of ['ТОМ', 'AIice', 'аlice']) {
        assert.deepEqual(
          await d.claim(member(nickname), 10, true),
          { ok: false, reason: 'nickname-taken' },
          nickname,
        );
      }
      assert.equal((await d.find('ТОМ'))?.id, tom.id, 'a whisper to a look-alike finds the holder');
      // Released, every key of the nickname is free again; a rename moves them all.
      await d.release(tom.id, true);
      const again = member('ТОМ');
      assert.equal((await d.claim(again, 10, true)).ok, true);
      assert.equal((await d.rename(again.id, 'Bob')).ok, true);
      assert.equal((await d.claim(member('TOM'), 10, true)).ok, true);
      assert.deepEqual(await d.claim(member('B0B'), 10, true), {
        ok: false,
        reason: 'nickname-taken',
      });
    });

    it('is atomic under concurrent claims', async (t) => {
      const d = await fresh(t);
      if (!d) return;
      const same = await Promise.all(
        Array.from({ length: 20 }, () => d.claim(member('same', 'r1'), 100, true)),
      );
      assert.equal(same.filter((r) => r.ok).length, 1);
      const seats = await Promise.all(
        Array.from({ length: 20 }, (_, i) => d.claim(member(`s${i}`, 'r2'), 5, true)),
      );
      assert.equal(seats.filter((r) => r.ok).length, 5);
      const counts = seats.flatMap((r) => (r.ok ? [r.userCount] : [])).sort();
      assert.deepEqual(counts, [1, 2, 3, 4, 5]);
    });

    it('keeps the first spelling of a room and finds it in any case', async (t) => {
      const d = await fresh(t);
      if (!d) return;
      await d.claim(member('a', 'Dev'), 10, true);
      assert.deepEqual(await d.claim(member('b', 'DEV'), 10, true), {
        ok: true,
        room: 'Dev',
        userCount: 2,
      });
      assert.deepEqual(
        (await d.members('dev')).map((m) => m.nickname),
        ['a', 'b'],
      );
    });

    it('lists members in join order with their addresses', async (t) => {
      const d = await fresh(t);
      if (!d) return;
      const a = member('a');
      await d.claim(a, 10, true);
      await d.claim(member('b'), 10, true);
      const list = await d.members('lobby');
      assert.deepEqual(
        list.map((m) => m.nickname),
        ['a', 'b'],
      );
      assert.deepEqual(list[0], { ...a, room: 'lobby' });
    });

    it('renames atomically, moving the member to the end of its room', async (t) => {
      const d = await fresh(t);
      if (!d) return;
      const a = member('a');
      await d.claim(a, 10, true);
      await d.claim(member('b'), 10, true);
      assert.deepEqual(await d.rename(a.id, 'b'), { ok: false, reason: 'nickname-taken' });
      assert.deepEqual(await d.rename(a.id, 'z'), { ok: true, oldNickname: 'a', room: 'lobby' });
      assert.deepEqual(
        (await d.members('lobby')).map((m) => m.nickname),
        ['b', 'z'],
      );
      assert.equal((await d.find('Z'))?.id, a.id);
      assert.equal(await d.find('a'), undefined);
      assert.deepEqual(await d.rename(a.id, 'Z'), { ok: true, oldNickname: 'z', room: 'lobby' });
      assert.deepEqual(await d.rename('no-such-id', 'q'), { ok: false, reason: 'not-found' });
    });

    it('rename races: exactly one wins', async (t) => {
      const d = await fresh(t);
      if (!d) return;
      const ms = Array.from({ length: 10 }, (_, i) => member(`m${i}`));
      for (const m of ms) await d.claim(m, 100, true);
      const results = await Promise.all(ms.map((m) => d.rename(m.id, 'prize')));
      assert.equal(results.filter((r) => r.ok).length, 1);
    });

    it('moves between rooms within capacity', async (t) => {
      const d = await fresh(t);
      if (!d) return;
      const a = member('a');
      await d.claim(a, 10, true);
      await d.claim(member('b'), 10, true);
      await d.claim(member('c', 'small'), 10, true);
      assert.deepEqual(await d.move(a.id, 'LOBBY', 10), { ok: false, reason: 'same-room' });
      assert.deepEqual(await d.move(a.id, 'small', 1), { ok: false, reason: 'room-full' });
      assert.deepEqual(await d.move(a.id, 'small', 2), {
        ok: true,
        from: { room: 'lobby', userCount: 1 },
        to: { room: 'small', userCount: 2 },
      });
      assert.equal((await d.find('a'))?.room, 'small');
      assert.deepEqual(await d.move('nobody', 'x', 2), { ok: false, reason: 'not-found' });
    });

    it('releases a member once, freeing its nickname and forgetting empty rooms', async (t) => {
      const d = await fresh(t);
      if (!d) return;
      const a = member('a', 'temp');
      await d.claim(a, 10, true);
      assert.deepEqual(await d.release(a.id, true), {
        id: a.id,
        nickname: 'a',
        room: 'temp',
        userCount: 0,
      });
      assert.equal(await d.release(a.id, true), undefined);
      assert.deepEqual(await d.rooms(), []);
      assert.equal((await d.claim(member('a'), 10, true)).ok, true);
    });

    it('lists rooms with counts, by name', async (t) => {
      const d = await fresh(t);
      if (!d) return;
      await d.claim(member('a', 'b-room'), 10, true);
      await d.claim(member('b', 'a-room'), 10, true);
      await d.claim(member('c', 'b-room'), 10, true);
      assert.deepEqual(await d.rooms(), [
        { room: 'a-room', userCount: 1 },
        { room: 'b-room', userCount: 2 },
      ]);
    });

    it('does not create a room when a claim is refused for capacity 0', async (t) => {
      const d = await fresh(t);
      if (!d) return;
      assert.deepEqual(await d.claim(member('a', 'ghost'), 0, true), {
        ok: false,
        reason: 'room-full',
      });
      assert.deepEqual(await d.rooms(), []);
    });
  });
}
