import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendUnavailableError } from '../../src/backends/errors.js';
import { RedisBus } from '../../src/cluster/redis-bus.js';
import { ROOMS_CACHE_MS, RedisDirectory } from '../../src/cluster/redis-directory.js';
import { RedisNodeRegistry } from '../../src/cluster/redis-node-registry.js';
import { RedisTime } from '../../src/cluster/redis-scripts.js';
import { Logger } from '../../src/server/logger.js';
import { needRedis, redisConnection } from '../redis.js';

/** The Redis backends of one node as a cluster node has them: with deadlines, so fenced. */
async function backends(t: TestContext, prefix: string, node: string) {
  const redis = redisConnection(t);
  const time = new RedisTime(redis);
  await time.measure();
  const bus = new RedisBus(redis, redisConnection(t), prefix, node, new Logger('silent'), time);
  await bus.start();
  return {
    directory: new RedisDirectory(redis, prefix, time),
    registry: new RedisNodeRegistry(redis, prefix),
    bus,
  };
}

function member(nickname: string, node: string, room = 'lobby') {
  return { id: `${node}:${nickname}`, nickname, room, ip: '127.0.0.1', port: 1, node };
}

const frame = Buffer.from('{"cmd":"70","from":"x","msg":"m"}\n');

describe('cluster: what Redis refuses a node that lost contact (rule 9.14)', () => {
  it('a claim needs its node alive', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const { directory, registry } = await backends(t, prefix, 'n1');
    await assert.rejects(directory.claim(member('early', 'n1'), 10, true), BackendUnavailableError);
    assert.equal(await directory.find('early'), undefined);
    await registry.heartbeat('n1', 60_000);
    assert.equal((await directory.claim(member('early', 'n1'), 10, true)).ok, true);
  });

  it('a chat needs its sender in the room, a whisper its sender listed', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const { directory, registry, bus } = await backends(t, prefix, 'n2');
    await registry.heartbeat('n2', 60_000);
    const alice = member('alice', 'n2');
    await directory.claim(alice, 10, true);
    const chat = (except: string, room = 'lobby') =>
      bus.publish({ kind: 'room', room, frame, except });
    const whisper = (sender: string) =>
      bus.publish({ kind: 'whisper', node: 'n2', to: alice.id, from: 'x', msg: 'm', sender });
    await chat(alice.id);
    await whisper(alice.id);
    await assert.rejects(chat(alice.id, 'elsewhere'), BackendUnavailableError);
    await assert.rejects(chat('n2:nobody'), BackendUnavailableError);
    await assert.rejects(whisper('n2:nobody'), BackendUnavailableError);
    // Announced as gone (here: released): it cannot speak any more.
    await directory.release(alice.id, true);
    await assert.rejects(chat(alice.id), BackendUnavailableError);
    await assert.rejects(whisper(alice.id), BackendUnavailableError);
  });

  it('ROOMS counts are kept by the changes; another node sees them within the cache time', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const a = await backends(t, prefix, 'n3');
    const b = await backends(t, prefix, 'n4');
    await a.registry.heartbeat('n3', 60_000);
    assert.deepEqual(await b.directory.rooms(), []);
    await a.directory.claim(member('p', 'n3', 'dev'), 10, true);
    await a.directory.claim(member('q', 'n3', 'dev'), 10, true);
    await a.directory.claim(member('r', 'n3', 'ops'), 10, true);
    await a.directory.move('n3:q', 'ops', 10);
    const expected = [
      { room: 'dev', userCount: 1 },
      { room: 'ops', userCount: 2 },
    ];
    assert.deepEqual(await a.directory.rooms(), expected, 'its own changes at once');
    await sleep(ROOMS_CACHE_MS + 50);
    assert.deepEqual(await b.directory.rooms(), expected);
    await a.directory.release('n3:p', true);
    assert.deepEqual(await a.directory.rooms(), [{ room: 'ops', userCount: 2 }]);
  });
});
