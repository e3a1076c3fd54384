/**
 * Natter's public API: the server, the client library and the protocol definitions.
 * @packageDocumentation
 */
export {
  createServer,
  ChatServer,
  type ChatServerOptions,
  type ServerStats,
} from './chat-server.js';
export { createClusterServer } from './cluster/index.js';
export { Liveness } from './cluster/liveness.js';
export type { NodeAgent, NodeServices } from './server/node-agent.js';
export type { Endpoints } from './server/session.js';
export type { Link, LinkInput } from './server/link.js';
export type {
  Directory,
  MemberRecord,
  NewMember,
  ClaimResult,
  RenameResult,
  MoveResult,
  Released,
  RoomCount,
} from './backends/directory.js';
export type { NodeRegistry, NodeState } from './backends/node-registry.js';
export type {
  Bus,
  Delivery,
  KickDelivery,
  NodeDelivery,
  RoomDelivery,
  WhisperDelivery,
} from './backends/bus.js';
export { MemoryDirectory } from './backends/memory-directory.js';
export { MemoryNodeRegistry } from './backends/memory-node-registry.js';
export { MemoryBus } from './backends/memory-bus.js';
export { BackendUnavailableError } from './backends/errors.js';
export { DEFAULT_CONFIG, type ServerConfig } from './config/options.js';
export { resolveConfig, ConfigError } from './config/resolve.js';
export * from './protocol/index.js';
export * from './client/index.js';
export { NATTER_VERSION } from './version.js';
