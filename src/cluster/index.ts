import { randomBytes } from 'node:crypto';
import { ChatServer, type ChatServerOptions } from '../server/chat-server.js';
import { Logger } from '../server/logger.js';
import { connectRedis } from './redis.js';

/**
 * Creates a server and starts listening, as a node of a cluster when `redis` is set: every node
 * pointed at the same Redis (and `redisPrefix`) acts as one chat server (docs/protocol.md,
 * section 9). Without `redis`, the same as {@link createServer}: one node, in memory.
 * @example
 * const node = await createClusterServer({ port: 20826, redis: 'redis://127.0.0.1:6379' });
 */
export async function createClusterServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  if (!options.redis || options.directory || options.bus) {
    const server = new ChatServer(options);
    await server.listen();
    return server;
  }
  const nodeId = options.nodeId ?? randomBytes(6).toString('hex');
  const logger = new Logger(options.logLevel ?? 'info', options.logSink);
  const backends = await connectRedis(options.redis, {
    prefix: options.redisPrefix ?? 'natter',
    nodeId,
    logger,
  });
  const server = new ChatServer({
    ...options,
    nodeId,
    directory: backends.directory,
    bus: backends.bus,
    onClosed: () => backends.close(),
  });
  try {
    await server.listen();
  } catch (err) {
    await server.close();
    throw err;
  }
  return server;
}
