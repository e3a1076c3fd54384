/**
 * Access to the real Redis for tests (127.0.0.1:6379 on every developer and CI machine). Each
 * test gets its own key prefix, removed afterwards, so tests can share the Redis and run in
 * parallel. Without a Redis, tests fail when CI=true and are skipped otherwise, saying how to
 * start one.
 */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { Redis as RedisClient } from 'ioredis';

/** The Redis client, when the `ioredis` package is installed (a single node runs without it). */
const Redis: typeof RedisClient | undefined = await import('ioredis').then(
  (m) => m.Redis,
  () => undefined,
);

export const REDIS_URL = process.env.NATTER_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const START_HINT =
  'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no';

let available: Promise<boolean> | undefined;

/** True when the test Redis answers. */
export function redisAvailable(): Promise<boolean> {
  available ??= (async () => {
    if (!Redis) return false;
    const probe = new Redis(REDIS_URL, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 1000,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      return true;
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  })();
  return available;
}

/**
 * Resolves with a fresh key prefix when Redis is there. Otherwise fails the test under CI and
 * skips it elsewhere; resolves undefined then, and the test returns.
 */
export async function needRedis(t: TestContext): Promise<string | undefined> {
  if (!(await redisAvailable())) {
    const why = Redis
      ? `Redis is not running at ${REDIS_URL}; start it with: ${START_HINT}`
      : 'the Redis client (the npm package ioredis) is not installed: npm install';
    if (process.env.CI === 'true') throw new Error(why);
    t.skip(why);
    return undefined;
  }
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  t.after(() => dropPrefix(prefix));
  return prefix;
}

/** A connection to the test Redis (or another, by URL), closed when the test ends. */
export function redisConnection(t: TestContext, url = REDIS_URL): RedisClient {
  if (!Redis) throw new Error('the Redis client (the npm package ioredis) is not installed');
  const redis = new Redis(url, { protocol: 2 });
  // A Redis of the test's own may be gone first (its own after hook): then there is nothing to
  // say goodbye to.
  t.after(() => redis.quit().catch(() => redis.disconnect()));
  return redis;
}

/** Resolves once every client has connected (a new Redis may still be starting up). */
export async function ready(...clients: RedisClient[]): Promise<void> {
  await Promise.all(
    clients.map((c) =>
      c.status === 'ready' ? undefined : new Promise((resolve) => c.once('ready', resolve)),
    ),
  );
}

/** Deletes every key of a test's prefix. */
async function dropPrefix(prefix: string): Promise<void> {
  if (!Redis) return;
  const redis = new Redis(REDIS_URL, { protocol: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
