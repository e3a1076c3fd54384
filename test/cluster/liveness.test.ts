import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackendUnavailableError } from '../../src/backends/errors.js';
import { MemoryDirectory } from '../../src/backends/memory-directory.js';
import { MemoryNodeRegistry } from '../../src/backends/memory-node-registry.js';
import {
  HEARTBEAT_MS,
  HEARTBEAT_TTL_MS,
  LEASE_MS,
  Liveness,
  RECONCILE_MS,
} from '../../src/cluster/liveness.js';
import { node } from '../membership-harness.js';

/** Lets every promise chain started so far run to its end. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Node A with its liveness, on a directory and registry in memory under A's fake clock. */
async function cluster() {
  let directory!: MemoryDirectory;
  const a = node((bus) => (directory = new MemoryDirectory(bus)), 'node-a');
  const registry = new MemoryNodeRegistry(directory, () => a.clock.now());
  const liveness = new Liveness(registry);
  const { membership, announcer, logger, clock } = a;
  const roundTrips: number[] = [];
  const roundTrip = (seconds: number) => void roundTrips.push(seconds);
  const services = { nodeId: 'node-a', directory, membership, announcer, logger, clock, roundTrip };
  await liveness.start(services);
  /** Time passes by `ms` (default: one heartbeat), each heartbeat run to its end. */
  const tick = async (ms = HEARTBEAT_MS) => {
    for (let left = ms; left > 0; left -= HEARTBEAT_MS) {
      a.clock.advance(Math.min(left, HEARTBEAT_MS));
      await settle();
    }
  };
  const member = (nickname: string, node: string) => ({
    id: `${node}:${nickname}`,
    nickname,
    room: 'lobby',
    ip: '192.0.2.9',
    port: 1,
    node,
  });
  return { a, directory, registry, liveness, services, tick, member, roundTrips };
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
    await tick(HEARTBEAT_TTL_MS - HEARTBEAT_MS);
    assert.deepEqual(announced(a.bus), [], 'alive within its 3 s');
    await tick();
    assert.deepEqual(announced(a.bus), ['30:b1:2', '30:b2:1']);
    assert.ok(a.logs.includes('node node-b stopped answering: 2 of its members removed'));
    a.bus.deliver();
    assert.deepEqual(a.received(alice), [['30:b12', '30:b21']]);
    assert.deepEqual(await registry.deadNodes(), []);
  });

  it('puts its members back after the others reaped it; a lost nickname is disconnected', async () => {
    const { a, directory, registry, liveness, services, tick, member } = await cluster();
    const alice = await a.join('alice');
    const xavier = await a.join('xavier');
    liveness.stop(); // node A is suspended: no heartbeat, no lease check
    a.clock.advance(HEARTBEAT_TTL_MS + 1);
    assert.equal((await registry.reap('node-a')).length, 2, 'another node reaped A');
    await directory.claim(member('xavier', 'node-c'), 10, true); // someone took a nickname
    await liveness.start(services);
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

  it('tells the round trip of every heartbeat, in seconds, for the metrics', async () => {
    const { a, registry, tick, roundTrips } = await cluster();
    assert.deepEqual(roundTrips, [0], 'the first heartbeat, answered at once');
    const heartbeat = registry.heartbeat.bind(registry);
    const held: (() => void)[] = [];
    registry.heartbeat = (node, ttl) =>
      new Promise((resolve) => held.push(() => void heartbeat(node, ttl).then(resolve)));
    await tick(); // a heartbeat is sent, and held
    a.clock.advance(250);
    for (const answer of held.splice(0)) answer();
    await settle();
    // A failed heartbeat counts for as long as it took to fail: Redis was that slow, at least.
    registry.heartbeat = () =>
      new Promise((_, reject) =>
        held.push(() => reject(new BackendUnavailableError('redis is away'))),
      );
    await tick();
    a.clock.advance(400);
    for (const fail of held.splice(0)) fail();
    await settle();
    assert.equal(roundTrips.length, 3);
    assert.ok(roundTrips[2]! >= 0.4, `the failed heartbeat took ${roundTrips[2]} s`);
  });

  it('disconnects its members with 925 once its lease ran out, before any node can reap it', async () => {
    const { a, registry, tick } = await cluster();
    const alice = await a.join('alice');
    // Redis freezes: heartbeats are sent but never answered.
    registry.heartbeat = () => new Promise(() => undefined);
    await tick(LEASE_MS - HEARTBEAT_MS);
    assert.deepEqual(alice.closes, [], 'still within the lease');
    await tick();
    assert.deepEqual(alice.closes, [{ kind: 'error', error: 'CLUSTER_UNREACHABLE' }]);
    assert.ok(a.logs.some((l) => l.includes('disconnecting its 1 members')));
    assert.ok(
      (await registry.deadNodes()).length === 0,
      'the lease ends before the heartbeat expires',
    );
  });

  it('admits members only while its lease holds; a heartbeat answered late does not renew it', async () => {
    const { registry, liveness, tick } = await cluster();
    assert.equal(liveness.serving(), true);
    const heartbeat = registry.heartbeat.bind(registry);
    // A partition holds the heartbeats; they reach Redis, and are answered, only when it heals.
    const held: (() => void)[] = [];
    registry.heartbeat = (node, ttl) =>
      new Promise((resolve) => held.push(() => void heartbeat(node, ttl).then(resolve)));
    await tick(LEASE_MS + 2 * HEARTBEAT_MS);
    assert.equal(liveness.serving(), false);
    for (const answer of held.splice(0)) answer();
    await tick(0);
    await settle();
    assert.equal(liveness.serving(), false, 'sent too long ago: no lease');
    registry.heartbeat = heartbeat;
    await tick();
    assert.equal(liveness.serving(), true, 'the next heartbeat, answered at once, renews it');
  });

  it('keeps its heartbeat while a restore is slow', async () => {
    const { a, directory, registry, tick } = await cluster();
    await a.join('alice');
    let heartbeats = 0;
    const heartbeat = registry.heartbeat.bind(registry);
    registry.heartbeat = (n, ttl) => {
      heartbeats++;
      return heartbeat(n, ttl);
    };
    // The directory loses the node's data, and every claim of the restore hangs.
    await registry.retire('node-a');
    directory.claim = () => new Promise(() => undefined);
    await tick(10 * HEARTBEAT_MS);
    assert.equal(heartbeats, 10, 'one heartbeat every HEARTBEAT_MS all along');
    assert.deepEqual(await registry.deadNodes(), []);
  });

  it('releases ghosts listed for the node and puts back members the directory lost', async () => {
    const { a, directory, tick, member } = await cluster();
    const alice = await a.join('alice');
    const bob = await a.join('bob');
    a.received(alice, bob);
    // A claim whose answer was lost: listed for node A, held by no session.
    await directory.claim(member('ghost', 'node-a'), 10, true);
    // And a member the directory lost without anyone being told.
    await directory.release(bob.session.id, false);
    a.bus.deliver();
    a.received(alice, bob);
    await tick(RECONCILE_MS);
    assert.equal(await directory.find('ghost'), undefined, 'the ghost is gone');
    assert.equal((await directory.find('bob'))?.node, 'node-a', 'bob is back');
    a.bus.deliver();
    assert.deepEqual(a.received(alice), [['30:ghost1', '8:bob2']]);
    assert.ok(a.logs.some((l) => l.includes('1 members released, 1 put back')));
  });
});
