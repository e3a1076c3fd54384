import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { ServerConfig } from './config/options.js';
import type { ChatServerOptions, ServerStats } from './chat-server-options.js';
import { ConfigError, configWith } from './config/resolve.js';
import { ByteStreams, type OpenConnection } from './transport/byte-streams.js';
import { discardInput } from './transport/stream.js';
import type { ListeningAddress } from './transport/tcp.js';
import { assemble, type ServerParts } from './server/assemble.js';
import { systemClock, within, type Clock } from './server/clock.js';
import { Edges } from './edges.js';
import { Connection, type ConnectionDeps } from './server/connection/connection.js';
import type { Link, LinkInput } from './server/link.js';
import { loggerFor, type Logger } from './server/logger.js';
import { logStart } from './server/startup.js';
import { memoryReleaseFor, type MemoryRelease } from './server/memory-release.js';
import type { NodeAgent } from './server/node-agent.js';
import { Timeouts } from './server/services/timeouts.js';
import type { Endpoints } from './server/session.js';
import { nativeUnavailable } from './server/native.js';
import type { DirectSocket } from './server/write/native-fanout.js';
export type { ChatServerOptions, ServerStats } from './chat-server-options.js';

/** In a cluster, how long a closing connection waits for its release before it ends. */
const RELEASE_WAIT_MS = 1000;
/**
 * Creates a chat server and starts listening on TCP (`host`, `port`).
 * @example
 * const server = await createServer({ host: '127.0.0.1', port: 0 });
 * console.log(server.addresses[0].port);
 * await server.close();
 */
export async function createServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const server = new ChatServer(options);
  // One listener up and the next failed: nothing is left behind.
  await server.listen().catch(async (err: unknown) => {
    await server.close();
    throw err;
  });
  return server;
}

/**
 * A chat server: it wires the services together (docs/DEVELOPING.md, "Layout"), serves the
 * clients its transports hand it, and shuts down cleanly. A request travels one way, from the
 * transport through the connection and the commands to the services and the backends; answers
 * come back through the connection's writer.
 */
export class ChatServer {
  /** The validated configuration. */
  readonly config: ServerConfig;
  readonly logger: Logger;
  /** Identifies this node in member ids and in the cluster. */
  readonly nodeId: string;
  private readonly clock: Clock;
  private readonly node: NodeAgent | undefined;
  private readonly onClosed: (() => Promise<void>) | undefined;
  private readonly parts: ServerParts;
  private readonly timeouts: Timeouts;
  private readonly memory: MemoryRelease | undefined;
  private readonly edges: Edges;
  private readonly deps: ConnectionDeps;
  private readonly streams: ByteStreams;
  private readonly connections = new Set<Connection>();
  private nextConnection = 0;
  private stopping: Promise<void> | undefined;
  private onIdle: (() => void) | undefined;

  constructor(options: ChatServerOptions = {}) {
    const { directory, bus, logSink, nodeId, node, onClosed, clock, roomHistory, ...rest } =
      options;
    const { moderationStore, ...overrides } = rest;
    const config = (this.config = configWith(overrides));
    // A server given `redis` but no node agent would quietly be a single node.
    if (config.redis !== '' && !node) {
      throw new ConfigError(
        'redis is set: create the server with createClusterServer, or give your own backends ' +
          'with a node agent (node: new Liveness(registry))',
      );
    }
    // Quiet unless asked: `logLevel` as given, not the configuration's default.
    const logger = (this.logger = loggerFor({ ...overrides, logSink }));
    this.clock = clock ?? systemClock;
    this.nodeId = nodeId ?? randomBytes(6).toString('hex');
    this.node = node;
    this.onClosed = onClosed;
    const source = { config, logger, clock: this.clock, nodeId: this.nodeId, directory, bus, node };
    const parts = (this.parts = assemble({ ...source, roomHistory, moderationStore }));
    this.deps = {
      services: parts.services,
      membership: parts.membership,
      admission: parts.admission,
      writers: {
        flushes: parts.scheduler,
        clock: this.clock,
        maxQueueBytes: config.maxQueueBytes,
        counters: parts.services.counters,
      },
      clock: this.clock,
      logger,
      limits: config,
      releaseWaitMs: node ? RELEASE_WAIT_MS : 0,
      gone: (conn) => this.forget(conn),
    };
    const open: OpenConnection = (link, ends, direct) => this.open(link, ends, direct);
    this.streams = new ByteStreams(open, !!parts.fanout, node ? 0 : config.parkAfterMs, this.clock);
    this.edges = new Edges(config, {
      accept: (socket, endpoints) => void this.streams.accept(socket, endpoints),
      acceptEncrypted: (stream, endpoints) => this.streams.serve(stream, endpoints), // no fan-out
      refuseFull: (socket) => {
        discardInput(socket);
        parts.admission.refuse(socket, { error: 'TOO_MANY_CONNECTIONS' });
      },
      descriptorsShort: (pending) =>
        parts.admission.descriptorsShort(this.connections.size + pending),
      connect: (link, endpoints) => this.connect(link, endpoints),
      connectionCount: () => this.connections.size,
      local: () => parts.membership.localCounts(),
      notServing: () => this.notServing(),
      counters: parts.services.counters,
      clock: this.clock,
      logger,
    });
    const prune = () => parts.admission.prune();
    this.timeouts = new Timeouts(config, this.clock, () => this.connections, prune);
    this.timeouts.start();
    const info = (line: string) => logger.info(line);
    const parked = () => this.streams.parkedBytes();
    this.memory = config.releaseMemory ? memoryReleaseFor(this.clock, info, parked) : undefined;
  }

  /** Starts listening on TCP at the configured host and port. */
  async listen(): Promise<void> {
    const { nodeId, logger, clock, config, edges } = this;
    const { directory, membership, announcer, admission, fanout } = this.parts;
    const { counters } = this.parts.services;
    await this.parts.open(); // the stores, before anyone can chat, or the start fails
    const roundTrip = (seconds: number) => counters.redisRoundTrip(seconds);
    await this.node?.start({ nodeId, directory, membership, announcer, logger, clock, roundTrip });
    await edges.listen();
    admission.measureDescriptors();
    this.memory?.start();
    this.streams.start(logger);
    const { addresses, tlsAddresses, webAddress: web, certificates } = edges;
    const listening = [...addresses, ...tlsAddresses].map((a) => a.address);
    const exposed = admission.loopbackExemptionWarning(listening);
    const withoutFanout = config.nativeWrites && !fanout ? nativeUnavailable : undefined;
    const history = this.parts.history.describe();
    const start = { addresses, tlsAddresses, web, certificates, nodeId, config, exposed, history };
    logStart(logger, { ...start, withoutFanout });
  }

  /** Why no new member is taken now, or undefined when they are (`/healthz`). */
  private notServing(): string | undefined {
    if (this.stopping) return 'shutting down';
    return this.node && !this.node.serving() ? 'the cluster (Redis) is unreachable' : undefined;
  }

  /** The addresses of the plain chat port (TCP); none when it is off (`tcp: false`). */
  get addresses(): readonly ListeningAddress[] {
    return this.edges.addresses;
  }

  /** The addresses of the chat port over TLS; none without a certificate (`tlsCert`). */
  get tlsAddresses(): readonly ListeningAddress[] {
    return this.edges.tlsAddresses;
  }

  /**
   * Reads the TLS certificate and key again (SIGHUP) for new TLS and HTTPS connections; files
   * that cannot be used are logged and the old one kept. @returns true when it was reloaded
   */
  reloadCertificates(): boolean {
    return this.edges.reloadCertificates();
  }

  /** Takes the operators and banned phrases of a reloaded configuration (SIGHUP). */
  reload(config: Pick<ServerConfig, 'operators' | 'bannedPhrases'>): void {
    this.parts.reload(config);
  }

  /** Where the HTTP listener (`/ws`, `/healthz`, `/metrics`) listens, when there is one. */
  get webAddress(): { readonly address: string; readonly port: number } | undefined {
    return this.edges.webAddress;
  }

  /** The port of the plain chat port's first address; 0 when it is off. */
  get port(): number {
    return this.edges.addresses[0]?.port ?? 0;
  }

  /** Number of open connections, members or not. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** What the server has done so far. */
  stats(): ServerStats {
    const fanout = this.parts.fanout;
    return {
      connections: this.connections.size,
      nativeFanout: fanout && { sockets: fanout.sockets, shortWrites: fanout.shortWrites },
      parking: this.streams.parking?.stats(),
    };
  }

  /**
   * Serves one client over any duplex byte stream (TCP, TLS, a Unix socket, a test pipe).
   * @returns false when the client was turned away (it has been told why)
   */
  handle(stream: Duplex, endpoints: Endpoints): boolean {
    return this.streams.handle(stream, endpoints);
  }

  /**
   * Serves one client over any transport (docs/DEVELOPING.md, "Transports"): the server writes
   * through `link`, and the adapter feeds the client's input, bytes or whole messages, to the
   * returned {@link LinkInput}.
   * @returns undefined when the client was turned away (it has been told why)
   */
  connect(link: Link, endpoints: Endpoints): LinkInput | undefined {
    return this.open(link, endpoints);
  }

  /**
   * Stops the server (rule 3.8): stops accepting, sends every client SERVER_SHUTTING_DOWN, gives
   * them `shutdownGraceMs` to receive what is queued, then closes what is left. Safe to call
   * more than once; every call returns the same promise.
   */
  close(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private open(link: Link, endpoints: Endpoints, direct?: DirectSocket): Connection | undefined {
    const { admission } = this.parts;
    const refusal = admission.check(endpoints, this.connections.size);
    if (refusal) {
      admission.refuse(link, refusal);
      return undefined;
    }
    const id = `${this.nodeId}:${(this.nextConnection++).toString(36)}`;
    const conn = new Connection(link, id, endpoints, direct, this.deps);
    this.connections.add(conn);
    return conn;
  }

  private async shutdown(): Promise<void> {
    const { admission, membership, bus, directory } = this.parts;
    this.timeouts.stop();
    this.memory?.stop();
    this.node?.stop();
    this.streams.parking?.stop();
    admission.close();
    membership.quiet();
    const listenersClosed = this.edges.closeChat();
    const open = [...this.connections];
    // Nothing more is read; what was accepted is delivered first: in a cluster it may still be
    // on its way back from Redis (rule 8.6).
    for (const conn of open) conn.stopReading();
    await within(this.clock, bus.flush(), this.config.shutdownGraceMs);
    // Detach everyone, so members are not sent each other's departures.
    membership.detachAll();
    for (const conn of open) conn.close({ kind: 'error', error: 'SERVER_SHUTTING_DOWN' });
    await this.idle(this.config.shutdownGraceMs);
    // Whoever has not taken their last messages by now is cut off.
    for (const conn of this.connections) conn.destroy();
    await this.idle(Infinity);
    await listenersClosed;
    // Last: until here `/healthz` answers 503, shutting down.
    await this.edges.closeWeb();
    // In a cluster, the other nodes hear of every departure now, not when a heartbeat expires.
    await membership.settled();
    await this.node?.retire().catch(() => undefined);
    await bus.close();
    await directory.close();
    await this.parts.close();
    this.streams.parking?.close();
    await this.onClosed?.();
  }

  /** Forgets a connection whose transport has closed. */
  private forget(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    if (this.connections.size === 0) this.onIdle?.();
  }

  /** Resolves when no connection is left, or after `ms`. */
  private idle(ms: number): Promise<void> {
    if (this.connections.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = ms === Infinity ? undefined : this.clock.setTimeout(resolve, ms);
      this.onIdle = () => {
        this.clock.clearTimeout(timer);
        this.onIdle = undefined;
        resolve();
      };
    });
  }
}
