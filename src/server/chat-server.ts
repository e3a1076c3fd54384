import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { ConfigError, DEFAULT_CONFIG, validateConfig, type ServerConfig } from '../config.js';
import { Cmd } from '../protocol/codes.js';
import { encode } from '../protocol/encode.js';
import { ERRORS, type ErrorName } from '../protocol/errors.js';
import type { RequestId } from '../protocol/messages.js';
import { codePointLength, nameProblem } from '../protocol/names.js';
import type { Bus, Delivery, RoomDelivery } from './backends/bus.js';
import type { Directory } from './backends/directory.js';
import { MemoryBus } from './backends/memory-bus.js';
import { MemoryDirectory } from './backends/memory-directory.js';
import { Connection, type CloseReason, type Endpoints } from './connection.js';
import { DirectFanout } from './direct-fanout.js';
import { IpLimiter } from './limits.js';
import { Logger, type LogSink } from './logger.js';
import { PhraseFilter } from './moderation.js';
import { Liveness, type Departure } from './liveness.js';
import { Membership } from './membership.js';
import { native, nativeUnavailable } from './native.js';
import type { LocalRoom } from './rooms.js';
import { TcpListeners, type ListeningAddress } from './tcp.js';

/** Options for {@link createServer}: any {@link ServerConfig} field, plus the backends. */
export interface ChatServerOptions extends Partial<ServerConfig> {
  /** Who is online; defaults to a {@link MemoryDirectory} (single node). */
  directory?: Directory;
  /** Delivery between nodes; defaults to a {@link MemoryBus} (single node). */
  bus?: Bus;
  /** This node's id in a cluster (default: random); the backends must use the same. */
  nodeId?: string;
  /** Called once the server has closed, to let go of what the backends hold. */
  onClosed?: () => Promise<void>;
  /** Where log lines go; defaults to stdout and stderr. */
  logSink?: LogSink;
}

/** Response codes for the outcomes of a room move (JOIN or LEAVE). */
export interface MoveCodes {
  readonly ok: string;
  readonly full: string;
  readonly same: string;
}

/**
 * Creates a chat server and starts listening on TCP (`host`, `port`).
 * @example
 * const server = await createServer({ host: '127.0.0.1', port: 0 });
 * console.log(server.addresses[0].port);
 * await server.close();
 */
export async function createServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const server = new ChatServer(options);
  await server.listen();
  return server;
}

/**
 * The chat core. It owns the connections of this node and the local room index; the directory
 * and the bus own everything shared between nodes. Transports call {@link ChatServer.handle}
 * with any duplex stream.
 */
export class ChatServer {
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly directory: Directory;
  readonly bus: Bus;
  readonly filter: PhraseFilter;
  /** Identifies this node in member ids and in the cluster. */
  readonly nodeId: string;
  /** This node's part in a cluster, when the directory is shared. */
  private liveness: Liveness | undefined;
  private readonly onClosed: (() => Promise<void>) | undefined;
  /** Releases still in flight, which a shutdown waits for. */
  private readonly releasing = new Set<Promise<unknown>>();

  /** @internal room fan-out through the native addon; undefined: all writes use the streams. */
  readonly directFanout: DirectFanout | undefined;
  /** Who is in which room on this node, and every change of it. */
  readonly membership: Membership;
  private readonly connections = new Set<Connection>();
  private readonly byId = new Map<string, Connection>();
  private readonly tcp: TcpListeners;
  private nextConnection = 0;
  private lastRefusalLog = -Infinity;
  private readonly addressReleased = new WeakSet<Connection>();
  /** Connections and rooms with something to write at the end of this turn. */
  private dirty: Connection[] = [];
  private dirtyRooms: LocalRoom[] = [];
  private flushScheduled = false;
  private turn = 0;
  /** How long the last flush took, in milliseconds. */
  private lastFlushMs = 0;
  /** Whether a member joined a room of this node in the current turn. */
  private joinedThisTurn = false;
  private stoppingSince: Promise<void> | undefined;
  private onIdle: (() => void) | undefined;
  private readonly ipLimiter: IpLimiter;
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: ChatServerOptions = {}) {
    const { directory, bus, logSink, nodeId, onClosed, ...overrides } = options;
    this.onClosed = onClosed;
    this.nodeId = nodeId ?? randomBytes(6).toString('hex');
    const config: ServerConfig = { ...DEFAULT_CONFIG, ...stripUndefined(overrides) };
    config.bannedPhrases = [...config.bannedPhrases];
    this.config = validateConfig(config);
    this.logger = new Logger(this.config.logLevel, logSink);
    this.directory = directory ?? new MemoryDirectory();
    if (this.config.redis !== '' && !this.directory.shared) {
      throw new ConfigError('redis is set: create the server with createClusterServer');
    }
    this.bus = bus ?? new MemoryBus();
    this.filter = new PhraseFilter(this.config.bannedPhrases);
    this.membership = new Membership(this);
    this.directFanout = this.config.nativeWrites && native ? new DirectFanout(native) : undefined;
    this.bus.subscribe(this.deliver);
    this.ipLimiter = new IpLimiter(this.config);
    this.tcp = new TcpListeners(this);
    // One timer for every connection's timeouts, however many connections there are.
    this.sweeper = setInterval(() => this.sweep(), sweepInterval(this.config));
    this.sweeper.unref();
  }

  /** True for a client address exempt from flood control and per-address limits. */
  isExempt(address: string): boolean {
    return this.ipLimiter.isExempt(address);
  }

  /** The server's monotonic clock, in milliseconds; every timeout is measured with it. */
  now(): number {
    return performance.now();
  }

  /** Starts listening on TCP at the configured host and port. */
  async listen(): Promise<void> {
    if (this.directory.shared) {
      this.liveness = new Liveness(this);
      await this.liveness.start();
    }
    await this.tcp.listen(this.config.host, this.config.port);
    for (const { address, port } of this.tcp.addresses) {
      this.logger.info(`Natter is listening on ${formatAddress(address, port)}`);
    }
    if (this.config.nativeWrites && !this.directFanout) {
      this.logger.info(`room fan-out without the native addon: ${nativeUnavailable}`);
    }
  }

  /** The TCP addresses the server listens on. */
  get addresses(): readonly ListeningAddress[] {
    return this.tcp.addresses;
  }

  /** The port of the first listening address. */
  get port(): number {
    return this.tcp.addresses[0]?.port ?? 0;
  }

  /** Number of open connections, members or not. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Serves one client over any duplex byte stream (TCP, TLS, a WebSocket adapter, a test pipe).
   * @returns the connection, already reading
   */
  handle(stream: Duplex, endpoints: Endpoints): Connection | undefined {
    if (this.stoppingSince) return this.refuse(stream, 'SERVER_SHUTTING_DOWN');
    if (this.connections.size >= this.config.maxConnections) {
      return this.refuse(stream, 'TOO_MANY_CONNECTIONS');
    }
    const admission = this.ipLimiter.admit(endpoints.remoteAddress, this.now());
    if (!admission.ok) {
      return admission.reason === 'per-ip'
        ? this.refuse(stream, 'TOO_MANY_CONNECTIONS_FROM_IP')
        : this.refuse(stream, 'CONNECTION_RATE_LIMITED', { retryAfterMs: admission.retryAfterMs });
    }
    const id = `${this.nodeId}:${(this.nextConnection++).toString(36)}`;
    const conn = new Connection(this, stream, id, endpoints);
    this.connections.add(conn);
    this.byId.set(id, conn);
    return conn;
  }

  /**
   * Turns a new connection away at once, saying why (rules 3.10, 3.11): the error is written and
   * the stream ended; a peer that does not read it is dropped after a second.
   */
  refuse(stream: Duplex, error: ErrorName, extra: Record<string, unknown> = {}): undefined {
    const info = ERRORS[error];
    stream.on('error', () => undefined);
    stream.end(encode({ cmd: info.code, error, reason: info.reason, ...extra, fatal: true }));
    setTimeout(() => stream.destroy(), REFUSAL_LINGER_MS).unref();
    const now = this.now();
    if (now - this.lastRefusalLog > 10_000) {
      this.lastRefusalLog = now;
      this.logger.warn(`refusing connections: ${error}`);
    }
    return undefined;
  }

  /**
   * Enforces the timeouts (rules 3.4, 3.9, 3.12): registration, heartbeat and idle silence, and
   * sockets that have not drained. Runs on one interval timer for the whole server.
   */
  private sweep(): void {
    const now = this.now();
    const { registrationTimeoutMs, idleTimeoutMs, drainTimeoutMs } = this.config;
    for (const conn of this.connections) {
      if (conn.closing) continue;
      if (conn.stalledSince > 0 && now - conn.stalledSince > drainTimeoutMs) {
        conn.cutOffSlowConsumer(`the socket has not drained for ${drainTimeoutMs} ms`);
      } else if (conn.phase === 'new') {
        if (registrationTimeoutMs > 0 && now - conn.openedAt > registrationTimeoutMs) {
          conn.close({
            kind: 'error',
            error: 'REGISTRATION_TIMEOUT',
            detail: `no CONNECT within ${registrationTimeoutMs} ms`,
          });
        }
      } else if (conn.phase === 'member') {
        const silence = now - conn.lastReceivedAt;
        if (conn.heartbeatMs > 0) {
          if (silence > 2 * conn.heartbeatMs) {
            conn.close({
              kind: 'error',
              error: 'IDLE_TIMEOUT',
              detail: `no heartbeat for ${Math.round(silence)} ms (promised every ${conn.heartbeatMs} ms)`,
            });
          }
        } else if (idleTimeoutMs > 0 && silence > idleTimeoutMs) {
          conn.close({
            kind: 'error',
            error: 'IDLE_TIMEOUT',
            detail: `nothing received for ${idleTimeoutMs} ms`,
          });
        }
      }
    }
    this.ipLimiter.prune(now);
  }

  /**
   * Stops the server (rule 3.8): stops accepting, sends every client SERVER_SHUTTING_DOWN, gives
   * them `shutdownGraceMs` to receive what is queued, then closes what is left. Safe to call
   * more than once; every call returns the same promise.
   */
  close(): Promise<void> {
    this.stoppingSince ??= this.shutdown();
    return this.stoppingSince;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.sweeper);
    this.liveness?.stop();
    const listenersClosed = this.tcp.close();
    const open = [...this.connections];
    // Nothing more is read; what was accepted is delivered first: in a cluster it may still be
    // on its way back from Redis (rule 8.6).
    for (const conn of open) conn.stopReading();
    await withTimeout(this.bus.flush(), this.config.shutdownGraceMs);
    // Detach everyone, so members are not sent each other's departures.
    for (const conn of open) this.membership.rooms.remove(conn);
    for (const conn of open) conn.close({ kind: 'error', error: 'SERVER_SHUTTING_DOWN' });
    await this.idle(this.config.shutdownGraceMs);
    // Whoever has not taken their last messages by now is cut off.
    for (const conn of this.connections) conn.destroy();
    await this.idle(Infinity);
    await listenersClosed;
    // In a cluster, the other nodes hear of every departure now, not when a heartbeat expires.
    await Promise.allSettled([...this.releasing]);
    if (this.directory.shared) await this.directory.retire(this.nodeId).catch(() => undefined);
    await this.bus.close();
    await this.directory.close();
    await this.onClosed?.();
  }

  /** Resolves when no connection is left, or after `ms`. */
  private idle(ms: number): Promise<void> {
    if (this.connections.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = ms === Infinity ? undefined : setTimeout(resolve, ms);
      this.onIdle = () => {
        clearTimeout(timer);
        this.onIdle = undefined;
        resolve();
      };
    });
  }

  // ---- Used by connections and commands ----

  /** Why a nickname cannot be used, or undefined (rule 4.2). */
  nicknameProblem(nickname: string): string | undefined {
    const problem = nameProblem(nickname, this.config.maxNicknameLength);
    if (problem) return problem;
    if (this.filter.find(nickname) !== undefined) return 'contains a banned phrase';
    return undefined;
  }

  /**
   * Encodes a message once and delivers it to a room, on every node, except one member.
   * `marks` says whose membership begins (`joins`) or ends (`leaves`) at this message.
   */
  announce(
    roomKey: string,
    message: object,
    except?: string,
    marks: { joins?: string; leaves?: string } = {},
  ): void {
    const delivery: { -readonly [K in keyof RoomDelivery]: RoomDelivery[K] } = {
      kind: 'room',
      room: roomKey,
      frame: Buffer.from(encode(message)),
    };
    if (except !== undefined) delivery.except = except;
    if (marks.joins !== undefined) delivery.joins = marks.joins;
    if (marks.leaves !== undefined) delivery.leaves = marks.leaves;
    this.bus.publish(delivery);
  }

  /** A connection of this node, by member id. */
  connection(id: string): Connection | undefined {
    return this.byId.get(id);
  }

  /** Every connection of this node. */
  connectionList(): Connection[] {
    return [...this.connections];
  }

  /** True once the server has started to shut down. */
  get stopping(): boolean {
    return this.stoppingSince !== undefined;
  }

  /** A departure the directory could not take now (a cluster whose Redis is away). */
  postpone(departure: Departure): void {
    if (this.liveness) this.liveness.postpone(departure);
    else this.logger.error(`could not release ${departure.nickname}`);
  }

  /** Keeps a release in flight in view, so a shutdown waits for it. */
  track(releasing: Promise<unknown>): void {
    this.releasing.add(releasing);
    void releasing.finally(() => this.releasing.delete(releasing));
  }

  /**
   * Takes a closing connection out of its room and announces its departure (rule 3.7).
   * @returns the release, when the connection was a member
   */
  leave(conn: Connection, reason: CloseReason): Promise<unknown> | undefined {
    return this.membership.leave(conn, reason);
  }

  /** True when a CHAT or WHISPER message is over `maxMessageLength` characters (rule 4.12). */
  messageTooLong(msg: string): boolean {
    const max = this.config.maxMessageLength;
    // A string has at least as many UTF-16 units as code points: count only when it may matter.
    return msg.length > max && codePointLength(msg) > max;
  }

  /** Answers a message over the length limit with MESSAGE_TOO_LONG; nothing is delivered. */
  refuseLongMessage(conn: Connection, request: { cmd: string; id?: RequestId }): void {
    const max = this.config.maxMessageLength;
    conn.fail('MESSAGE_TOO_LONG', request, `messages are limited to ${max} characters`, {
      limit: max,
    });
  }

  /** Disconnects a member who sent a banned phrase, telling it why (rule 6.1). */
  banPhrase(conn: Connection, request: { cmd: string; id?: RequestId }): void {
    conn.close({ kind: 'error', error: 'BANNED_PHRASE', request });
  }

  /**
   * Gives back a connection's place in its address's count, once: when its session ends, not
   * when a peer that ignores the close finally lets the socket go (rule 3.11).
   */
  releaseAddress(conn: Connection): void {
    if (this.addressReleased.has(conn)) return;
    this.addressReleased.add(conn);
    this.ipLimiter.release(conn.endpoints.remoteAddress);
  }

  /** Queues a connection for the next flush; all writes of one event-loop turn go out together. */
  scheduleFlush(conn: Connection): void {
    this.dirty.push(conn);
    this.scheduleTurnEnd();
  }

  /** @internal queues a room with frames this turn for the end-of-turn flush. */
  scheduleRoom(room: LocalRoom): void {
    this.dirtyRooms.push(room);
    this.scheduleTurnEnd();
  }

  /**
   * Schedules the flush at the end of this turn. After a turn with joins whose flush took long
   * (a join storm into a big room: each join is a `8` to every member), the next flush waits a
   * little, as long as the last one took, at most 50 ms: meanwhile the event loop keeps reading
   * and accepting (libuv accepts one connection per turn), and the next flush carries all of it
   * in one write per socket instead of one each. Chat fan-out never waits: its batching comes
   * by itself from what arrives during a long flush, and a wait would only add latency.
   */
  private scheduleTurnEnd(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (this.lastFlushMs < SLOW_FLUSH_MS) setImmediate(this.flushAll);
    else setTimeout(this.flushAll, Math.min(this.lastFlushMs, MAX_FLUSH_DELAY_MS));
  }

  /** Forgets a connection whose stream has closed. */
  forget(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    this.byId.delete(conn.id);
    this.releaseAddress(conn);
    if (this.connections.size === 0) this.onIdle?.();
  }

  /**
   * The end of a turn: every room joins what it got into one buffer, then each connection with
   * something queued is written once (docs/DEVELOPING.md, "The write path").
   */
  private readonly flushAll = (): void => {
    const started = performance.now();
    this.flushScheduled = false;
    const rooms = this.dirtyRooms;
    const conns = this.dirty;
    this.dirtyRooms = [];
    this.dirty = [];
    const turn = ++this.turn;
    for (const room of rooms) room.materialise();
    if (this.directFanout) for (const room of rooms) this.directFanout.send(room, turn);
    for (const room of rooms) for (const conn of room.members) conn.flushTurn(turn);
    for (const conn of conns) conn.flushTurn(turn);
    for (const room of rooms) room.reset();
    // Only a turn with joins may slow the next: chat fan-out never waits (see scheduleTurnEnd).
    this.lastFlushMs = this.joinedThisTurn ? performance.now() - started : 0;
    this.joinedThisTurn = false;
  };

  /** The bus receiver: hands a delivery to this node's recipients. */
  private readonly deliver = (delivery: Delivery): void => {
    if (delivery.kind === 'room') {
      if (delivery.joins !== undefined) this.joinedThisTurn = true;
      return this.membership.deliverRoom(delivery);
    }
    const conn = this.byId.get(delivery.to);
    if (!conn || conn.closing || conn.phase !== 'member') return;
    const cmd = conn.whisperCap ? Cmd.WHISPER_MESSAGE : Cmd.CHAT_RESPONSE;
    conn.send(Buffer.from(encode({ cmd, from: delivery.from, msg: delivery.msg })));
  };
}

/** A flush that takes this long (milliseconds) makes the next one wait to gather more. */
const SLOW_FLUSH_MS = 20;
const MAX_FLUSH_DELAY_MS = 50;

/** How long a refused connection may stay open for its refusal to be read. */
const REFUSAL_LINGER_MS = 1000;

/** Sweep often enough for the shortest timeout to be enforced within a quarter of itself. */
function sweepInterval(config: ServerConfig): number {
  const timeouts = [config.registrationTimeoutMs, config.idleTimeoutMs, config.drainTimeoutMs];
  const shortest = Math.min(...timeouts.filter((t) => t > 0), 4000);
  return Math.max(10, Math.min(1000, Math.floor(shortest / 4)));
}

/** Resolves when `promise` does, or after `ms`, whichever is first. */
async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}

function stripUndefined<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

/** `127.0.0.1:20825`, `[::1]:20825` */
export function formatAddress(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
