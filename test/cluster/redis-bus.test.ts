import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import type { Delivery } from '../../src/backends/bus.js';
import { BackendUnavailableError } from '../../src/backends/errors.js';
import { RedisBus } from '../../src/cluster/redis-bus.js';
import { Logger } from '../../src/server/logger.js';
import { eventually } from '../helpers.js';
import { needRedis, ready, redisConnection } from '../redis.js';
import { OwnRedis } from './nodes.js';

const frame = (i: number) => Buffer.from(`{"cmd":"70","from":"x","msg":"${i}"}\n`);

/**
 * Two nodes' buses: `publisher` publishes, `listener` watches `room` and has received the
 * room's first three messages (in `seen`); `subscriberId` is its subscription's client id.
 */
async function listening(t: TestContext, prefix: string) {
  const logger = new Logger('silent');
  const node = () => randomBytes(4).toString('hex');
  const publisher = new RedisBus(redisConnection(t), redisConnection(t), prefix, node(), logger);
  const subscriber = redisConnection(t);
  const subscriberId = await subscriber.client('ID');
  const listener = new RedisBus(redisConnection(t), subscriber, prefix, node(), logger);
  await publisher.start();
  await listener.start();
  const seen: Delivery[] = [];
  listener.subscribe((d) => seen.push(d));
  publisher.subscribe(() => undefined);
  await listener.watch('room');
  for (let i = 0; i < 3; i++) {
    await publisher.publish({ kind: 'room', room: 'room', frame: frame(i) });
  }
  await eventually(() => seen.length === 3, 'the first three');
  return { publisher, subscriberId, seen };
}

describe('RedisBus: nothing lost in silence (rule 9.13)', () => {
  it('a node whose subscription dropped is told which of a room’s messages it missed', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const { publisher, subscriberId, seen } = await listening(t, prefix);
    // The listener's subscription drops; five messages are published before it is back.
    await redisConnection(t).client('KILL', 'ID', String(subscriberId));
    for (let i = 3; i < 8; i++) {
      await publisher.publish({ kind: 'room', room: 'room', frame: frame(i) });
    }
    // Told once the subscription is back, without waiting for the room's next message.
    await eventually(() => seen.length === 4, 'the gap');
    assert.deepEqual(seen[3], { kind: 'gap', room: 'room', from: 4, to: 8 });
    await publisher.publish({ kind: 'room', room: 'room', frame: frame(8) });
    await eventually(() => seen.length === 5, 'the next message');
    const last = seen[4]!;
    assert.equal(last.kind === 'room' && Buffer.from(last.frame).toString(), frame(8).toString());
  });

  it('a room whose numbering started over (Redis lost its data) is reported, extent unknown', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const { publisher, subscriberId, seen } = await listening(t, prefix);
    const control = redisConnection(t);
    // As if Redis had restarted empty: the room's number is gone, and so is the subscription.
    await control.del(`{${prefix}}:s:room`);
    await control.client('KILL', 'ID', String(subscriberId));
    await publisher.publish({ kind: 'room', room: 'room', frame: frame(3) });
    await eventually(() => seen.length === 4, 'the report');
    assert.deepEqual(seen[3], { kind: 'gap', room: 'room' });
    await publisher.publish({ kind: 'room', room: 'room', frame: frame(4) });
    await eventually(() => seen.length === 5, 'the next message');
    assert.equal(seen[4]!.kind, 'room', 'numbered on from there, no further report');
  });

  it('a script Redis forgot did not run: refused, and loaded again for the next call', async (t) => {
    if (!(await needRedis(t))) return;
    // Its own Redis: flushing the scripts of the shared one would disturb other tests.
    const own = await OwnRedis.start(t);
    const redis = redisConnection(t, own.url);
    const subscriber = redisConnection(t, own.url);
    await ready(redis, subscriber);
    const bus = new RedisBus(redis, subscriber, 'p', 'n', new Logger('silent'));
    await bus.start();
    await bus.publish({ kind: 'room', room: 'r', frame: frame(1) });
    await own.cli('script', 'flush');
    await assert.rejects(
      bus.publish({ kind: 'room', room: 'r', frame: frame(2) }),
      BackendUnavailableError,
    );
    assert.equal(await redis.get('{p}:s:r'), '1', 'the refused publish did not run');
    await bus.publish({ kind: 'room', room: 'r', frame: frame(3) });
    assert.equal(await redis.get('{p}:s:r'), '2');
  });

  it('publishes a room message only while Redis answers in time, numbered in the room’s order', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const redis = redisConnection(t);
    const bus = new RedisBus(redis, redisConnection(t), prefix, 'n', new Logger('silent'));
    await bus.start();
    await bus.publish({ kind: 'room', room: 'r', frame: frame(1) });
    await bus.publish({ kind: 'room', room: 'r', frame: frame(2) });
    assert.equal(await redis.get(`{${prefix}}:s:r`), '2');
  });
});
