import { Redis, type RedisOptions } from 'ioredis';
import { resolveHistoryOptions } from '../backends/history-options.js';
import type { Logger } from '../server/logger.js';
import { RedisBus } from './redis-bus.js';
import { RedisDirectory } from './redis-directory.js';
import { RedisHistory, type RedisHistoryLimits } from './redis-history.js';
import { RedisModerationStore } from './redis-moderation.js';
import { RedisNodeRegistry } from './redis-node-registry.js';
import { COMMAND_TIMEOUT_MS, RedisTime } from './redis-scripts.js';

/** How long a node waits for its first connections to Redis to be ready. */
const STARTUP_MS = 5000;

/** How often the node measures again how far Redis's clock is from its own. */
const CLOCK_CHECK_MS = 30_000;

/** The Redis backends of one node, and how to let go of them. */
export interface RedisBackends {
  readonly directory: RedisDirectory;
  readonly registry: RedisNodeRegistry;
  readonly bus: RedisBus;
  /** The rooms' history, shared by every node; undefined with history off. */
  readonly history: RedisHistory | undefined;
  /** Bans, mutes and the audit log, shared by every node (its changes told to every node). */
  readonly moderation: RedisModerationStore;
  /** Closes both connections. */
  close(): Promise<void>;
}

/**
 * Connects a node to the cluster's Redis: one connection for commands and publishing, one for
 * subscriptions. Both reconnect on their own, quickly (rule 9.8). While a connection is down its
 * commands fail at once instead of waiting in a queue, and a command that is not answered within
 * COMMAND_TIMEOUT_MS (a frozen or partitioned Redis) fails then: a client is told to retry
 * (BACKEND_UNAVAILABLE) rather than left hanging or answered late. A command whose answer never
 * came is not sent again: its outcome is unknown, and the changes carry deadlines instead.
 * @param url `redis://host:port[/db]`
 * @param options.history the history's retention (and dedupe window); without it, no history
 */
export async function connectRedis(
  url: string,
  options: { prefix: string; nodeId: string; logger: Logger; history?: RedisHistoryLimits },
): Promise<RedisBackends> {
  // Limits that cannot work are refused before anything is opened.
  if (options.history) resolveHistoryOptions(options.history);
  const settings: RedisOptions = {
    protocol: 2,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: COMMAND_TIMEOUT_MS,
    autoResendUnfulfilledCommands: false,
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
  const time = new RedisTime(commands);
  await time.measure();
  const clockCheck = setInterval(() => void time.measure(), CLOCK_CHECK_MS).unref();
  const directory = new RedisDirectory(commands, options.prefix, time);
  const registry = new RedisNodeRegistry(commands, options.prefix);
  const { prefix, nodeId, logger } = options;
  const bus = new RedisBus(commands, subscriber, prefix, nodeId, logger, time);
  await bus.start();
  const history = options.history && new RedisHistory(bus, commands, prefix, options.history);
  const moderation = new RedisModerationStore(commands, subscriber, prefix, { time });
  await moderation.start();
  return {
    directory,
    registry,
    bus,
    history,
    moderation,
    async close() {
      clearInterval(clockCheck);
      await Promise.allSettled([commands.quit(), subscriber.quit()]);
    },
  };
}
