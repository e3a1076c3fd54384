/**
 * The contract every {@link NodeRegistry} implementation passes, together with the directory it
 * shares its storage with. Each implementation has a test file that calls
 * {@link nodeRegistryContract} with a factory.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Directory, NewMember } from '../../src/backends/directory.js';
import type { NodeRegistry } from '../../src/backends/node-registry.js';

let serial = 0;
function member(nickname: string, room: string, node: string): NewMember {
  return { id: `${node}:${serial++}`, nickname, room, ip: '127.0.0.1', port: 40000 + serial, node };
}

/** A registry, the directory it reaps from, and a way to let time pass for both. */
export interface RegistryUnderTest {
  readonly directory: Directory;
  readonly registry: NodeRegistry;
  /** Lets `ms` milliseconds pass on the registry's clock. */
  elapse(ms: number): Promise<void>;
}

/**
 * @param create a fresh, empty registry and directory for a test, or undefined when its storage
 *   is not available (the factory skips or fails the test)
 */
export function nodeRegistryContract(
  name: string,
  create: (t: TestContext) => Promise<RegistryUnderTest | undefined>,
): void {
  describe(`NodeRegistry contract: ${name}`, () => {
    it('reaps the members of a node that sends no heartbeat, once, with each count', async (t) => {
      const s = await create(t);
      if (!s) return;
      const { directory: d, registry } = s;
      await d.claim(member('a1', 'lobby', 'node-a'), 10, true);
      await d.claim(member('b1', 'lobby', 'node-b'), 10, true);
      await d.claim(member('b2', 'side', 'node-b'), 10, true);
      await d.claim(member('b3', 'lobby', 'node-b'), 10, true);
      const released = await registry.reap('node-b');
      assert.equal(released.length, 3);
      // Each count is what its room had left after that member went.
      const lobby = released
        .filter((r) => r.room === 'lobby')
        .map((r) => r.userCount)
        .sort();
      assert.deepEqual(lobby, [1, 2]);
      assert.deepEqual(released.find((r) => r.room === 'side')?.userCount, 0);
      assert.deepEqual(await registry.reap('node-b'), []);
      assert.deepEqual(
        (await d.members('lobby')).map((m) => m.nickname),
        ['a1'],
      );
      assert.equal((await d.claim(member('b1', 'lobby', 'node-c'), 10, true)).ok, true);
    });

    it('keeps a node with a live heartbeat out of the dead and unreapable', async (t) => {
      const s = await create(t);
      if (!s) return;
      const { directory: d, registry } = s;
      assert.notEqual(await registry.heartbeat('node-live', 60_000), 'reaped');
      assert.equal(await registry.heartbeat('node-live', 60_000), 'known');
      await d.claim(member('alive', 'lobby', 'node-live'), 10, true);
      assert.deepEqual(await registry.deadNodes(), []);
      assert.deepEqual(await registry.reap('node-live'), []);
      assert.equal((await d.find('alive'))?.node, 'node-live');
      await d.release((await d.find('alive'))!.id, true);
      await registry.retire('node-live');
      assert.deepEqual(await registry.deadNodes(), []);
    });

    it('a node whose heartbeat expires is dead, and learns it was reaped', async (t) => {
      const s = await create(t);
      if (!s) return;
      const { directory: d, registry } = s;
      assert.equal(await registry.heartbeat('node-short', 50), 'fresh');
      await d.claim(member('short', 'lobby', 'node-short'), 10, true);
      await s.elapse(120);
      assert.deepEqual(await registry.deadNodes(), ['node-short']);
      assert.equal((await registry.reap('node-short')).length, 1);
      assert.deepEqual(await registry.deadNodes(), []);
      assert.equal(await registry.heartbeat('node-short', 60_000), 'reaped');
      assert.equal(await registry.heartbeat('node-short', 60_000), 'known');
    });

    it('lists the members of a node; retiring releases the ones still listed', async (t) => {
      const s = await create(t);
      if (!s) return;
      const { directory: d, registry } = s;
      await registry.heartbeat('node-r', 60_000);
      const kept = member('kept', 'lobby', 'node-r');
      const other = member('other', 'lobby', 'node-s');
      await d.claim(kept, 10, true);
      await d.claim(member('stuck', 'side', 'node-r'), 10, true);
      await d.claim(other, 10, true);
      const before = await registry.members('node-r');
      assert.equal(before.length, 2);
      assert.ok(before.includes(kept.id));
      await d.release(kept.id, true);
      assert.equal((await registry.members('node-r')).length, 1);
      await registry.retire('node-r');
      assert.deepEqual(await registry.members('node-r'), []);
      assert.equal(await d.find('stuck'), undefined, 'its nickname is free');
      assert.deepEqual(await d.members('side'), []);
      assert.deepEqual(await registry.members('node-s'), [other.id]);
    });

    it('a node that retired is forgotten: neither dead nor reaped', async (t) => {
      const s = await create(t);
      if (!s) return;
      const { registry } = s;
      assert.equal(await registry.heartbeat('node-gone', 50), 'fresh');
      await registry.retire('node-gone');
      await s.elapse(120);
      assert.deepEqual(await registry.deadNodes(), []);
      assert.deepEqual(await registry.reap('node-gone'), []);
      assert.equal(await registry.heartbeat('node-gone', 60_000), 'fresh');
    });
  });
}
