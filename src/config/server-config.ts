import { DEFAULT_LIMITS } from '../protocol/limits.js';
import type { PhraseRuleConfig } from '../moderation/phrase-rules.js';
import type { OperatorConfig } from './operators.js';

/**
 * What a server is configured with: every option's type and default value. The option table
 * (options.ts) says where each is read from, its bounds and its help.
 */

/** Log verbosity, from quietest to loudest. */
export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** JSON lines, readable lines, or JSON unless stdout is a terminal. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Everything `natter serve` can be told. README.md, "Configuration", lists the same table. */
export interface ServerConfig {
  /** Address to listen on. A name (such as `localhost`) listens on every address it resolves to. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** The plain chat port; off leaves TLS and the HTTP listener (one of them must be on). */
  tcp: boolean;
  /** TLS: the certificate chain (PEM file); with `tlsKey`, the chat port over TLS and HTTPS. */
  tlsCert: string;
  /** The certificate's private key (PEM file, unencrypted). */
  tlsKey: string;
  /** The TLS chat port; -1: the chat port + 2 (20827), or a free one when the chat port is 0. */
  tlsPort: number;
  /** Members per room, the default room included (the seed's MAX_USER_IN_CHATROOM). */
  maxUsers: number;
  /**
   * Banned phrases and what happens to whoever says one (docs/protocol.md, rule 6.1): lines such
   * as `i hate professor` (the seed's: disconnect) or `mute 10m: spam spam`, or objects `{phrase,
   * action, duration, reason}` (src/moderation/phrase-rules.ts).
   */
  bannedPhrases: PhraseRuleConfig[];
  /** The room a client lands in when CONNECT names none. */
  defaultRoom: string;
  /** Report every address in USERS as `"hidden", 0`. */
  hideAddresses: boolean;
  /** Largest request frame, in bytes. */
  maxFrameBytes: number;
  /** Deepest nesting of objects and arrays in a request. */
  maxDepth: number;
  /** Longest nickname, in characters (code points). */
  maxNicknameLength: number;
  /** Longest room name, in characters (code points). */
  maxRoomNameLength: number;
  /** Bytes that may wait unsent for one client before it is cut off as a slow consumer. */
  maxQueueBytes: number;
  /** On shutdown, how long clients get to receive what is queued for them, in milliseconds. */
  shutdownGraceMs: number;
  /** Longest CHAT or WHISPER message, in characters (code points). */
  maxMessageLength: number;
  /** A connection that has not joined within this many milliseconds is closed; 0: never. */
  registrationTimeoutMs: number;
  /** A member without a heartbeat that sends nothing for this long is closed; 0: never. */
  idleTimeoutMs: number;
  /** TCP keepalive: probe a connection after this much silence, in milliseconds; 0: off. */
  keepAliveMs: number;
  /**
   * An idle plain TCP client is parked after this many milliseconds without a read or write
   * through its socket; 0: never. Parking saves memory: the client's net.Socket (about 2 KB,
   * heap and native) is dropped and only its descriptor kept, watched by the native addon.
   * It costs a net.Socket made again when the client next sends anything (tens of
   * microseconds). Linux, with the native addon and `nativeWrites`, only.
   */
  parkAfterMs: number;
  /** A client whose socket has not drained for this long is cut off, in milliseconds. */
  drainTimeoutMs: number;
  /** Flood control: requests a client may send in a burst... */
  floodBurst: number;
  /** ...and per second after it; 0 turns flood control off. */
  floodRate: number;
  /** Refused requests in a row after which a flooding client is disconnected. */
  floodStrikes: number;
  /** Open connections, in all. */
  maxConnections: number;
  /** Open connections from one address. */
  maxConnectionsPerIp: number;
  /** New connections one address may open in a burst... */
  ipConnectBurst: number;
  /** ...and per second after it. */
  ipConnectRate: number;
  /** Addresses and CIDR blocks exempt from flood control and the per-address limits. */
  exemptAddresses: string[];
  /** The per-address limits count an IPv6 client by this many leading bits (128: each apart). */
  ipv6Prefix: number;
  /** Chat connections (TCP and TLS) begin with a PROXY header naming the client (rule 3.14). */
  proxyProtocol: boolean;
  /** The HTTP listener (`/ws`, `/healthz`, `/metrics`) beside the chat port. */
  http: boolean;
  /** Its address; empty: the same as `host`. */
  httpHost: string;
  /** Its port; -1: the chat port + 1 (20826), or a free one when the chat port is 0. */
  httpPort: number;
  /** Origins a browser page may open `/ws` from, besides the server's own; `*` for any. */
  allowedOrigins: string[];
  /** Reverse proxies (addresses, CIDR blocks) whose `X-Forwarded-For` names a `/ws` client. */
  trustProxy: string[];
  /** Room fan-out through the native addon where it is built (`npm install` builds it). */
  nativeWrites: boolean;
  /**
   * Give memory back to the system when idle after a burst (with the native addon). It is a
   * full collection of the whole process: a program that embeds the server may want it off.
   */
  releaseMemory: boolean;
  /** Keep every room chat, numbered, for HISTORY and resume (docs/protocol.md, section 12). */
  history: boolean;
  /**
   * Where what must persist is kept (`history.sqlite`); created on first start. Empty: history
   * lives in memory and ends with the process (a server created from code; `natter serve`
   * defaults to `./natter-data`). Not used in a cluster, whose history is in Redis.
   */
  dataDir: string;
  /** Chats each room keeps: its newest this many. */
  historyMaxPerRoom: number;
  /** How long a chat is kept, in milliseconds; 0: no limit by age. */
  historyMaxAgeMs: number;
  /**
   * Operators (docs/protocol.md, section 13): names and password hashes. Only in the
   * configuration file (or from code), never in a flag or variable; reloaded on SIGHUP.
   */
  operators: OperatorConfig[];
  /** Redis URL of the cluster (`redis://host:port`); empty: a single node, in memory. */
  redis: string;
  /** Key and channel prefix in Redis, so several clusters can share one Redis. */
  redisPrefix: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

export const DEFAULT_CONFIG: Readonly<ServerConfig> = Object.freeze({
  host: 'localhost',
  port: 20825,
  tcp: true,
  tlsCert: '',
  tlsKey: '',
  tlsPort: -1,
  maxUsers: 10,
  bannedPhrases: ['i hate professor'],
  defaultRoom: 'lobby',
  hideAddresses: false,
  maxFrameBytes: DEFAULT_LIMITS.maxFrameBytes,
  maxDepth: DEFAULT_LIMITS.maxDepth,
  maxNicknameLength: DEFAULT_LIMITS.maxNicknameLength,
  maxRoomNameLength: DEFAULT_LIMITS.maxRoomNameLength,
  maxQueueBytes: 1024 * 1024,
  shutdownGraceMs: 5000,
  maxMessageLength: 5_000,
  registrationTimeoutMs: 30_000,
  idleTimeoutMs: 0,
  keepAliveMs: 30_000,
  parkAfterMs: 1000,
  drainTimeoutMs: 30_000,
  floodBurst: 100,
  floodRate: 20,
  floodStrikes: 50,
  maxConnections: 20_000,
  maxConnectionsPerIp: 64,
  ipConnectBurst: 32,
  ipConnectRate: 4,
  exemptAddresses: ['127.0.0.0/8', '::1'],
  ipv6Prefix: 64,
  proxyProtocol: false,
  http: true,
  httpHost: '',
  httpPort: -1,
  allowedOrigins: [],
  trustProxy: [],
  nativeWrites: true,
  releaseMemory: true,
  history: true,
  dataDir: '',
  historyMaxPerRoom: 100_000,
  historyMaxAgeMs: 30 * 24 * 3600_000,
  operators: [],
  redis: '',
  redisPrefix: 'natter',
  logLevel: 'info',
  logFormat: 'auto',
});
