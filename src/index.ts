/**
 * Natter's public API: the server, the client library and the protocol definitions.
 * @packageDocumentation
 */
export { createServer, ChatServer, type ChatServerOptions } from './server/chat-server.js';
export { createClusterServer } from './cluster/index.js';
export type { Endpoints } from './server/connection.js';
export type {
  Directory,
  NodeState,
  MemberRecord,
  ClaimResult,
  RenameResult,
  MoveResult,
  Released,
  RoomCount,
} from './server/backends/directory.js';
export type { Bus, Delivery, RoomDelivery, WhisperDelivery } from './server/backends/bus.js';
export { MemoryDirectory } from './server/backends/memory-directory.js';
export { MemoryBus } from './server/backends/memory-bus.js';
export { BackendUnavailableError } from './server/backends/directory.js';
export { DEFAULT_CONFIG, resolveConfig, ConfigError, type ServerConfig } from './config.js';
export * from './protocol/index.js';
export * from './client/index.js';
export { NATTER_VERSION } from './version.js';
