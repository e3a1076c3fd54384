import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config/resolve.js';
import { DEFAULT_CONFIG } from '../config/options.js';
import { ChatServer, createServer, type ChatServerOptions } from '../chat-server.js';
import { loggerFor } from '../server/logger.js';
import { Liveness } from './liveness.js';
import type { RedisHistoryLimits } from './redis-history.js';

/** The Redis part of the cluster, loaded only when a node is given `redis`. */
type RedisModule = typeof import('./redis.js');

/**
 * Creates a server and starts listening, as a node of a cluster when `redis` is set: every node
 * pointed at the same Redis (and `redisPrefix`) acts as one chat server (docs/protocol.md,
 * section 9). Without `redis`, the same as `createServer`: one node, in memory, and the Redis
 * client is never loaded (a single node runs without it installed). With history on (the
 * default), the rooms' history is in the same Redis, shared by every node (section 12).
 * @example
 * const node = await createClusterServer({ port: 20830, redis: 'redis://127.0.0.1:6379' });
 */
export async function createClusterServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  // Without redis: one node. With backends of the caller's own: the caller gives the node agent
  // too (a Liveness over its NodeRegistry), and the server checks that it did.
  if (!options.redis || options.directory || options.bus) {
    return createServer(options);
  }
  const { connectRedis } = await loadRedis();
  const nodeId = options.nodeId ?? randomBytes(6).toString('hex');
  const logger = loggerFor(options);
  const history = historyLimits(options);
  const backends = await connectRedis(options.redis, {
    prefix: options.redisPrefix ?? 'natter',
    nodeId,
    logger,
    ...(history && { history }),
  });
  let server: ChatServer;
  try {
    server = new ChatServer({
      ...options,
      nodeId,
      directory: backends.directory,
      bus: backends.bus,
      roomHistory: options.roomHistory ?? backends.history,
      moderationStore: options.moderationStore ?? backends.moderation,
      node: new Liveness(backends.registry),
      onClosed: () => backends.close(),
    });
  } catch (err) {
    // A certificate that cannot be read, say: the connections to Redis must not keep the
    // process alive.
    await backends.close();
    throw err;
  }
  try {
    await server.listen();
  } catch (err) {
    await server.close();
    throw err;
  }
  return server;
}

/** The cluster's history retention, from the options; undefined with history off. */
function historyLimits(options: ChatServerOptions): RedisHistoryLimits | undefined {
  if (!(options.history ?? DEFAULT_CONFIG.history) || options.roomHistory) return undefined;
  const maxAgeMs = options.historyMaxAgeMs ?? DEFAULT_CONFIG.historyMaxAgeMs;
  return {
    maxPerRoom: options.historyMaxPerRoom ?? DEFAULT_CONFIG.historyMaxPerRoom,
    // 0: no limit by age.
    maxAgeMs: maxAgeMs === 0 ? Infinity : maxAgeMs,
  };
}

/** Loads the Redis backends; a missing Redis client package is a clear configuration error. */
async function loadRedis(): Promise<RedisModule> {
  try {
    return await import('./redis.js');
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    if (code === 'ERR_MODULE_NOT_FOUND' && /Cannot find package 'ioredis'/.test(message)) {
      throw new ConfigError(
        'redis is set, but the Redis client (the npm package ioredis) is not installed: ' +
          'run `npm install ioredis` in the folder Natter runs from, or leave redis unset ' +
          'for a single node',
      );
    }
    throw err;
  }
}
