import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisBus } from '../../src/cluster/redis-bus.js';
import { RedisDirectory } from '../../src/cluster/redis-directory.js';
import { RedisNodeRegistry } from '../../src/cluster/redis-node-registry.js';
import { Logger } from '../../src/server/logger.js';
import { announcementContract } from '../backends/announcement-contract.js';
import { busContract } from '../backends/bus-contract.js';
import { directoryContract } from '../backends/directory-contract.js';
import { nodeRegistryContract } from '../backends/node-registry-contract.js';
import { needRedis, redisConnection } from '../redis.js';

// The same contract suites as the in-memory backends, against the real Redis.

directoryContract('RedisDirectory', async (t) => {
  const prefix = await needRedis(t);
  if (!prefix) return undefined;
  return new RedisDirectory(redisConnection(t), prefix);
});

nodeRegistryContract('RedisNodeRegistry', async (t) => {
  const prefix = await needRedis(t);
  if (!prefix) return undefined;
  const redis = redisConnection(t);
  return {
    directory: new RedisDirectory(redis, prefix),
    registry: new RedisNodeRegistry(redis, prefix),
    // Redis keeps time itself: the heartbeat's TTL runs out in real time.
    elapse: (ms) => sleep(ms),
  };
});

busContract('RedisBus', async (t) => {
  const prefix = await needRedis(t);
  if (!prefix) return undefined;
  const logger = new Logger('silent');
  const nodeA = randomBytes(4).toString('hex');
  const nodeB = randomBytes(4).toString('hex');
  const a = new RedisBus(redisConnection(t), redisConnection(t), prefix, nodeA, logger);
  const b = new RedisBus(redisConnection(t), redisConnection(t), prefix, nodeB, logger);
  await a.start();
  await b.start();
  return [a, b, nodeB];
});

announcementContract('RedisDirectory on a RedisBus', async (t) => {
  const prefix = await needRedis(t);
  if (!prefix) return undefined;
  const bus = new RedisBus(
    redisConnection(t),
    redisConnection(t),
    prefix,
    randomBytes(4).toString('hex'),
    new Logger('silent'),
  );
  await bus.start();
  return { directory: new RedisDirectory(redisConnection(t), prefix), bus };
});
