import { DEFAULT_LIMITS } from '../protocol/limits.js';

/**
 * The option table: every option's type, default, bounds and help, in one place. Flags,
 * variables, the config file, `natter serve --help` and README.md's table all follow it.
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
  /** Members per room, the default room included (the seed's MAX_USER_IN_CHATROOM). */
  maxUsers: number;
  /** Phrases that get a CHAT or WHISPER sender disconnected (case-insensitive substrings). */
  bannedPhrases: string[];
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
  /** Chat-port connections begin with a PROXY protocol header naming the client (rule 3.14). */
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
  redis: '',
  redisPrefix: 'natter',
  logLevel: 'info',
  logFormat: 'auto',
});

type Kind = 'string' | 'integer' | 'number' | 'boolean' | 'list' | 'choice';

/** One configurable option: where it is read from and what it accepts. */
export interface OptionSpec {
  readonly key: keyof ServerConfig;
  readonly kind: Kind;
  /** The flag, when it is not the key in kebab case. */
  readonly flag?: string;
  readonly min?: number;
  readonly max?: number;
  /** For a `choice`: the values it may take. */
  readonly choices?: readonly string[];
  readonly help: string;
}

/** The option table: flags are `--kebab-case` of the key, variables `NATTER_SNAKE_CASE`. */
export const OPTIONS: readonly OptionSpec[] = [
  { key: 'host', kind: 'string', help: 'address or name to listen on' },
  { key: 'port', kind: 'integer', min: 0, max: 65535, help: 'TCP port (0: any free port)' },
  { key: 'maxUsers', kind: 'integer', min: 1, max: 1_000_000, help: 'members per room' },
  {
    key: 'bannedPhrases',
    kind: 'list',
    flag: 'banned-phrase',
    help: 'banned phrase; repeat for more, "" for none (env: one per line)',
  },
  { key: 'defaultRoom', kind: 'string', help: 'room for clients that name none' },
  { key: 'hideAddresses', kind: 'boolean', help: 'hide client addresses in USERS' },
  { key: 'maxFrameBytes', kind: 'integer', min: 256, max: 16 * 1024 * 1024, help: 'bytes' },
  { key: 'maxDepth', kind: 'integer', min: 2, max: 1000, help: 'JSON nesting levels' },
  { key: 'maxNicknameLength', kind: 'integer', min: 1, max: 1000, help: 'characters' },
  { key: 'maxRoomNameLength', kind: 'integer', min: 1, max: 1000, help: 'characters' },
  { key: 'maxQueueBytes', kind: 'integer', min: 1024, max: 2 ** 31, help: 'bytes per client' },
  { key: 'shutdownGraceMs', kind: 'integer', min: 0, max: 600_000, help: 'milliseconds' },
  { key: 'maxMessageLength', kind: 'integer', min: 1, max: 16 * 1024 * 1024, help: 'characters' },
  {
    key: 'registrationTimeoutMs',
    kind: 'integer',
    min: 0,
    max: 86_400_000,
    help: 'ms to send CONNECT (0: no limit)',
  },
  {
    key: 'idleTimeoutMs',
    kind: 'integer',
    min: 0,
    max: 86_400_000,
    help: 'ms of silence before a member without heartbeat is closed (0: never)',
  },
  {
    key: 'keepAliveMs',
    kind: 'integer',
    min: 0,
    max: 86_400_000,
    help: 'TCP keepalive idle ms (0: off)',
  },
  {
    key: 'drainTimeoutMs',
    kind: 'integer',
    min: 100,
    max: 86_400_000,
    help: 'ms a socket may stay undrained',
  },
  { key: 'floodBurst', kind: 'integer', min: 1, max: 1_000_000, help: 'requests in a burst' },
  {
    key: 'floodRate',
    kind: 'number',
    min: 0,
    max: 1_000_000,
    help: 'requests per second (0: no flood control)',
  },
  {
    key: 'floodStrikes',
    kind: 'integer',
    min: 1,
    max: 1_000_000,
    help: 'refused requests in a row before a disconnect',
  },
  {
    key: 'maxConnections',
    kind: 'integer',
    min: 1,
    max: 10_000_000,
    help: 'open connections in all',
  },
  {
    key: 'maxConnectionsPerIp',
    kind: 'integer',
    min: 1,
    max: 10_000_000,
    help: 'open connections per address',
  },
  {
    key: 'ipConnectBurst',
    kind: 'integer',
    min: 1,
    max: 1_000_000,
    help: 'new connections per address in a burst',
  },
  {
    key: 'ipConnectRate',
    kind: 'number',
    min: 0.001,
    max: 1_000_000,
    help: 'new connections per address per second',
  },
  {
    key: 'exemptAddresses',
    kind: 'list',
    flag: 'exempt-address',
    help: 'address or CIDR block exempt from flood control and per-address limits; repeat for more, "" for none',
  },
  { key: 'ipv6Prefix', kind: 'integer', min: 1, max: 128, help: 'IPv6 bits that are one client' },
  { key: 'proxyProtocol', kind: 'boolean', help: 'chat connections begin with a PROXY header' },
  { key: 'http', kind: 'boolean', help: 'the HTTP listener: /ws (WebSocket), /healthz, /metrics' },
  { key: 'httpHost', kind: 'string', help: 'address of the HTTP listener ("": the same as host)' },
  {
    key: 'httpPort',
    kind: 'integer',
    min: -1,
    max: 65535,
    help: 'HTTP port (-1: the chat port + 1, so 20826; a free one when the chat port is 0)',
  },
  {
    key: 'allowedOrigins',
    kind: 'list',
    flag: 'allowed-origin',
    help: 'an origin whose pages may open /ws besides the server\'s own; repeat for more, "*" for any',
  },
  { key: 'trustProxy', kind: 'list', help: 'a proxy (address, CIDR) whose X-Forwarded-For counts' },
  {
    key: 'nativeWrites',
    kind: 'boolean',
    help: 'room fan-out through the native addon when it is built (false: streams only)',
  },
  {
    key: 'releaseMemory',
    kind: 'boolean',
    help: 'give memory back to the system when idle after a burst (needs the native addon)',
  },
  { key: 'redis', kind: 'string', help: 'redis://host:port of a cluster ("": single node)' },
  { key: 'redisPrefix', kind: 'string', help: 'key prefix in Redis, one per cluster' },
  { key: 'logLevel', kind: 'choice', choices: LOG_LEVELS, help: LOG_LEVELS.join(' | ') },
  {
    key: 'logFormat',
    kind: 'choice',
    choices: LOG_FORMATS,
    help: 'json (a JSON object per line), pretty (readable lines), or auto: pretty on a terminal',
  },
];

/** The command-line flag of an option, without dashes: `maxUsers` -> `max-users`. */
export function flagName(spec: OptionSpec): string {
  return spec.flag ?? spec.key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/** `maxUsers` -> `NATTER_MAX_USERS` */
export function envName(key: string): string {
  return 'NATTER_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}
