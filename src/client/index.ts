/** The client library: depends only on the protocol module. */
export { connect, type ConnectOptions } from './connect.js';
export { ChatClient, type User } from './chat-client.js';
export { type ChatEvent } from './events.js';
export type { HistoryMessage, HistoryPage, HistoryQuery } from './history.js';
export type {
  AuditEntry,
  AuditPage,
  AuditQuery,
  BanInfo,
  BanList,
  BanOptions,
  BanResult,
  MuteInfo,
  UnbanOptions,
} from './moderation.js';
export type { ChatReceipt } from './outbox.js';
export type { ReconnectOptions } from './retry.js';
export { NatterError } from './errors.js';
export {
  DEFAULT_MESSAGE_LIMITS,
  messageProblem,
  splitMessage,
  type MessageLimits,
} from './limits.js';
