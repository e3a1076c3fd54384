import { randomBytes } from 'node:crypto';
import { RedisBus } from '../../src/cluster/redis-bus.js';
import { RedisDirectory } from '../../src/cluster/redis-directory.js';
import { Logger } from '../../src/server/logger.js';
import { needRedis, redisConnection } from '../redis.js';
import { busContract } from './bus-contract.js';
import { directoryContract } from './directory-contract.js';

// The same contract suites as the in-memory backends, against the real Redis.

directoryContract('RedisDirectory', async (t) => {
  const prefix = await needRedis(t);
  if (!prefix) return undefined;
  return new RedisDirectory(redisConnection(t), prefix);
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
