import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackendUnavailableError } from '../../src/backends/errors.js';
import { MemoryDirectory } from '../../src/backends/memory-directory.js';
import { MemoryNodeRegistry } from '../../src/backends/memory-node-registry.js';
import { HEARTBEAT_TTL_MS, Liveness } from '../../src/cluster/liveness.js';
import { node } from '../membership-harness.js';

/** Node A with its liveness, on a directory and registry in memory under A's fake clock. */
async function cluster() {
  let directory!: MemoryDirectory;
  const a = node((bus) => (directory = new MemoryDirectory(bus)), 'node-a');
  const registry = new MemoryNodeRegistry(directory, () => a.clock.now());
  const liveness = new Liveness(registry);
  const { membership, announcer, logger, clock } = a;
  await liveness.start({ nodeId: 'node-a', directory, membership, announcer, logger, clock });
  /** One heartbeat, run to its end. */
  const tick = async () => {
    a.clock.advance(1000);
    await new Promise((resolve) => setImmediate(resolve));
  };
  const member = (nickname: string, node: string) => ({
    id: `${node}:${nickname}`,
    nickname,
    room: 'lobby',
    ip: '192.0.2.9',
    port: 1,
    node,
  });
  return { a, directory, registry, liveness, tick, member };
}

/** The room announcements waiting on the bus, as `cmd:nickname:count`. */
function announced(bus: { inFlight: { kind: string; frame?: Uint8Array }[] }): string[] {
  return bus.inFlight.flatMap((d) => {
    if (d.kind !== 'room' || !d.frame) return [];
    const m = JSON.parse(Buffer.from(d.frame).toString()) as Record<string, unknown>;
    return [`${String(m.cmd)}:${String(m.nickname)}:${String(m.userCount)}`];
  });
}

describe('Liveness: a node’s part in a cluster (section 9)', () => {
  it('reaps a node whose heartbeat expired, announcing each departure once', async () => {
    const { a, directory, registry, tick, member } = await cluster();
    const alice = await a.join('alice');
    await registry.heartbeat('node-b', HEARTBEAT_TTL_MS);
    await directory.claim(member('b1', 'node-b'), 10, true);
    await directory.claim(member('b2', 'node-b'), 10, true);
    a.bus.deliver();
    assert.deepEqual(a.received(alice), [['03:1', '8:b12', '8:b23']]);
    for (let i = 0; i < 2; i++) await tick();
    assert.deepEqual(announced(a.bus), [], 'alive within its 3 s');
    await tick();
    assert.deepEqual(announced(a.bus), ['30:b1:2', '30:b2:1']);
    assert.ok(a.logs.includes('node node-b stopped answering: 2 of its members removed'));
    a.bus.deliver();
    assert.deepEqual(a.received(alice), [['30:b12', '30:b21']]);
    assert.deepEqual(await registry.deadNodes(), []);
  });

  it('puts its members back after the others reaped it; a lost nickname is disconnected', async () => {
    const { a, directory, registry, liveness, tick, member } = await cluster();
    const alice = await a.join('alice');
    const xavier = await a.join('xavier');
    liveness.stop(); // node A freezes: no heartbeat
    a.clock.advance(HEARTBEAT_TTL_MS + 1);
    assert.equal((await registry.reap('node-a')).length, 2, 'another node reaped A');
    await directory.claim(member('xavier', 'node-c'), 10, true); // someone took a nickname
    await liveness.start({
      nodeId: 'node-a',
      directory,
      membership: a.membership,
      announcer: a.announcer,
      logger: a.logger,
      clock: a.clock,
    });
    await tick();
    assert.equal((await directory.find('alice'))?.node, 'node-a', 'alice is back');
    assert.equal((await directory.find('xavier'))?.node, 'node-c');
    assert.deepEqual(xavier.closes, [{ kind: 'error', error: 'NICKNAME_LOST' }]);
    assert.ok(announced(a.bus).includes('8:alice:2'), 'the room is told alice is back');
    assert.ok(a.logs.some((l) => l.includes('had lost this node (reaped): restoring 2 members')));
    assert.equal(alice.closes.length, 0);
  });

  it('announces departures the directory could not take, once it can', async () => {
    const { a, liveness, directory, tick } = await cluster();
    const alice = await a.join('alice');
    const bob = await a.join('bob');
    a.received(alice, bob);
    liveness.postpone({ id: bob.session.id, nickname: 'bob', room: 'lobby' });
    await tick();
    assert.equal(await directory.find('bob'), undefined);
    a.bus.deliver();
    assert.deepEqual(a.received(alice), [['30:bob1']]);
  });

  it('says once that the registry is unreachable, and once that it is back', async () => {
    const { a, registry, tick } = await cluster();
    const heartbeat = registry.heartbeat.bind(registry);
    registry.heartbeat = () => Promise.reject(new BackendUnavailableError('redis is away'));
    await tick();
    await tick();
    registry.heartbeat = heartbeat;
    await tick();
    const lines = a.logs.filter((l) => l.includes('reachable'));
    assert.deepEqual(lines, [
      'the cluster directory is unreachable: redis is away',
      'the cluster directory is reachable again',
    ]);
  });
});
