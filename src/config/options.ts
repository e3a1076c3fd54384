import { LOG_FORMATS, LOG_LEVELS, type ServerConfig } from './server-config.js';

/**
 * The option table: where every option is read from, its bounds and its help, in one place
 * (its type and default are in server-config.ts). Flags, variables, the config file,
 * `natter serve --help` and README.md's table all follow it.
 */

export {
  DEFAULT_CONFIG,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
  type ServerConfig,
} from './server-config.js';

type Kind = 'string' | 'integer' | 'number' | 'boolean' | 'list' | 'choice' | 'duration';

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
  { key: 'tcp', kind: 'boolean', help: 'the plain chat port (off: TLS or HTTP only)' },
  { key: 'tlsCert', kind: 'string', help: 'certificate chain, PEM (with --tls-key: TLS, HTTPS)' },
  { key: 'tlsKey', kind: 'string', help: "the certificate's private key, PEM" },
  {
    key: 'tlsPort',
    kind: 'integer',
    min: -1,
    max: 65535,
    help: 'TLS chat port (-1: the chat port + 2, so 20827; a free one when the chat port is 0)',
  },
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
    key: 'parkAfterMs',
    kind: 'integer',
    min: 0,
    max: 86_400_000,
    help: 'idle ms before a TCP client is parked (its socket dropped, fd kept) (0: off)',
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
  {
    key: 'trustProxy',
    kind: 'list',
    help: 'a proxy (address, CIDR) whose X-Forwarded-For or PROXY header counts',
  },
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
  { key: 'history', kind: 'boolean', help: 'keep room chats for HISTORY and resume (section 12)' },
  {
    key: 'dataDir',
    kind: 'string',
    help: 'directory for history.sqlite (natter serve: ./natter-data; "": memory only)',
  },
  {
    key: 'historyMaxPerRoom',
    kind: 'integer',
    min: 1,
    max: 1_000_000_000,
    help: 'chats each room keeps, its newest',
  },
  {
    key: 'historyMaxAgeMs',
    kind: 'duration',
    flag: 'history-max-age',
    help: 'how long chats are kept: 30d, 12h, 90m, 45s or ms (0: no limit)',
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
