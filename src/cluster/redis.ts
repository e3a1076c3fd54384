import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../server/logger.js';
import { RedisBus } from './redis-bus.js';
import { RedisDirectory } from './redis-directory.js';
import { RedisNodeRegistry } from './redis-node-registry.js';

/** How long a node waits for its first connections to Redis to be ready. */
const STARTUP_MS = 5000;

/** The Redis backends of one node, and how to let go of them. */
export interface RedisBackends {
  readonly directory: RedisDirectory;
  readonly registry: RedisNodeRegistry;
  readonly bus: RedisBus;
  /** Closes both connections. */
  close(): Promise<void>;
}

/**
 * Connects a node to the cluster's Redis: one connection for commands and publishing, one for
 * subscriptions. Both reconnect on their own, quickly (rule 9.8). While a connection is down its
 * commands fail at once instead of waiting in a queue, so a client is told to retry
 * (BACKEND_UNAVAILABLE) rather than left hanging or answered late.
 * @param url `redis://host:port[/db]`
 */
export async function connectRedis(
  url: string,
  options: { prefix: string; nodeId: string; logger: Logger },
): Promise<RedisBackends> {
  const settings: RedisOptions = {
    protocol: 2,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    // Reconnect soon: every 100 ms at first, then at most every second.
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  };
  const commands = new Redis(url, { ...settings, connectionName: `natter:${options.nodeId}` });
  const subscriber = new Redis(url, {
    ...settings,
    connectionName: `natter:${options.nodeId}:sub`,
    autoResubscribe: true,
  });
  for (const [connection, role] of [
    [commands, 'commands'],
    [subscriber, 'subscriptions'],
  ] as const) {
    // Errors come with every failed reconnection attempt: report the outage once, and the return.
    let warned = false;
    connection.on('error', (err: Error) => {
      if (warned) return;
      warned = true;
      options.logger.warn(`redis (${role}): ${err.message}; reconnecting`);
    });
    connection.on('ready', () => {
      if (warned) options.logger.warn(`redis (${role}) connected again`);
      warned = false;
    });
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    // A Redis that accepts the connection but never answers must not hold the start forever.
    const silent = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${STARTUP_MS} ms`)), STARTUP_MS);
    });
    await Promise.race([Promise.all([commands.connect(), subscriber.connect()]), silent]);
  } catch (err) {
    commands.disconnect();
    subscriber.disconnect();
    throw new Error(`cannot connect to redis at ${url}: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  const directory = new RedisDirectory(commands, options.prefix);
  const registry = new RedisNodeRegistry(commands, options.prefix);
  const bus = new RedisBus(commands, subscriber, options.prefix, options.nodeId, options.logger);
  await bus.start();
  return {
    directory,
    registry,
    bus,
    async close() {
      await Promise.allSettled([commands.quit(), subscriber.quit()]);
    },
  };
}
