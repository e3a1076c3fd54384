import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { plainAddress } from '../addresses.js';
import type { Clock, Timer } from '../server/clock.js';
import type { Logger } from '../server/logger.js';
import type { Endpoints } from '../server/session.js';
import { PROXY_HEADER_TIMEOUT_MS, readProxyHeader, socketEndpoints } from './proxy-protocol.js';

/** What the TCP edge needs of the server behind it. */
export interface TcpHost {
  /** Serves an accepted socket (or turns it away, saying why). */
  accept(socket: net.Socket, endpoints: Endpoints): void;
  /** Turns an accepted socket away at once: the server is out of descriptors. */
  refuseFull(socket: net.Socket): void;
  /** True when one more client would leave too few file descriptors (rule 3.13). */
  /** True when `pending` more sockets would leave too few file descriptors (rule 3.13). */
  descriptorsShort(pending: number): boolean;
  /** Open connections, for log lines. */
  connectionCount(): number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** TCP keepalive: idle milliseconds before probing; 0 turns it off (rule 3.9). */
  readonly keepAliveMs: number;
  /**
   * With the PROXY protocol (rule 3.14): the peers whose connections begin with a header naming
   * the client (the load balancers). A connection from any other peer is closed.
   */
  readonly proxyFrom: ((peer: string) => boolean) | undefined;
}

/** Sockets that may wait for their PROXY header at once: a balancer sends it at connect. */
const MAX_AWAITING_HEADER = 1024;

/** One address the server listens on. */
export interface ListeningAddress {
  readonly address: string;
  readonly family: string;
  readonly port: number;
}

/** Pauses of accepting while file descriptors are short: first, and longest. */
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 5000;

/**
 * Connections the kernel may hold ready for accepting (capped by net.core.somaxconn). A burst
 * of clients larger than the backlog would have SYNs dropped and wait a second or more to retry.
 */
const LISTEN_BACKLOG = 4096;

/** One listening socket. */
interface Listener {
  server: net.Server;
  readonly address: ListeningAddress;
}

/**
 * The TCP edge: listens, turns each accepted socket into endpoints for the server, and copes
 * with running out of file descriptors (rule 3.13).
 * Nagle's algorithm is off, since chat frames are small and latency matters more than packet
 * count; TCP keepalive is on (rule 3.9).
 */
export class TcpListeners {
  private listeners: Listener[] = [];
  private closed = false;
  /** While accepting is paused for lack of descriptors: since when, and the resume timer. */
  private pausedSince = 0;
  private resumeTimer: Timer | undefined;
  private backoffMs = BACKOFF_FIRST_MS;
  private refusedWhilePaused = 0;
  /** Sockets whose PROXY header is still awaited: closed with the listeners. */
  private readonly awaitingHeader = new Set<net.Socket>();
  private lastHeaderWarning = -Infinity;

  constructor(private readonly host: TcpHost) {}

  get addresses(): readonly ListeningAddress[] {
    return this.listeners.map((l) => l.address);
  }

  /**
   * Listens on every address `host` resolves to (`localhost` is usually both 127.0.0.1 and ::1),
   * all on the same port. With port 0, the first listener picks the port and the rest follow.
   */
  async listen(host: string, port: number): Promise<void> {
    const resolved = net.isIP(host) ? [{ address: host }] : await lookup(host, { all: true });
    let chosenPort = port;
    const failures: Error[] = [];
    for (const { address } of resolved) {
      let server: net.Server;
      try {
        server = await this.open(address, chosenPort);
      } catch (err) {
        failures.push(err as Error);
        continue;
      }
      const info = server.address() as net.AddressInfo;
      chosenPort = info.port;
      this.listeners.push({
        server,
        address: { address: info.address, family: info.family, port: info.port },
      });
    }
    if (this.listeners.length === 0) throw failures[0] ?? new Error(`${host} resolves to nothing`);
    for (const err of failures) this.host.logger.warn(`could not listen: ${err.message}`);
  }

  /** Stops accepting; resolves once every listener has closed. */
  async close(): Promise<void> {
    this.closed = true;
    this.host.clock.clearTimeout(this.resumeTimer);
    for (const socket of this.awaitingHeader) socket.destroy();
    await Promise.all(this.listeners.map((l) => closeServer(l.server)));
  }

  private open(address: string, port: number): Promise<net.Server> {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) =>
      this.accept(socket),
    );
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port, exclusive: true, backlog: LISTEN_BACKLOG }, () => {
        server.off('error', reject);
        server.on('error', (err: NodeJS.ErrnoException) => this.onListenerError(err, address));
        resolve(server);
      });
    });
  }

  private onListenerError(err: NodeJS.ErrnoException, address: string): void {
    if (err.code === 'EMFILE' || err.code === 'ENFILE') this.pause(err.code);
    else this.host.logger.error(`listener ${address}: ${err.message}`);
  }

  private accept(socket: net.Socket): void {
    if (this.host.descriptorsShort(this.awaitingHeader.size)) {
      // Serving this client could starve the ones already here of descriptors: refuse it,
      // saying why, and stop accepting for a while.
      this.host.refuseFull(socket);
      this.pause('descriptor limit');
      return;
    }
    socket.setNoDelay(true);
    const keepAliveMs = this.host.keepAliveMs;
    if (keepAliveMs > 0) socket.setKeepAlive(true, keepAliveMs);
    const { proxyFrom } = this.host;
    if (!proxyFrom) return this.host.accept(socket, socketEndpoints(socket));
    // Only a balancer may say whom it speaks for: anyone else could claim any address (the
    // loopback's exemptions among them).
    const peer = plainAddress(socket.remoteAddress ?? '');
    if (!proxyFrom(peer)) {
      socket.destroy();
      return this.headerRefused(
        socket,
        new Error(`${peer} is not a trusted proxy (--trust-proxy)`),
      );
    }
    if (this.awaitingHeader.size >= MAX_AWAITING_HEADER) {
      socket.destroy();
      return this.headerRefused(socket, new Error('too many connections waiting for a header'));
    }
    // The client is whom the header names: it is admitted, counted and shown as that address.
    const { clock } = this.host;
    this.awaitingHeader.add(socket);
    readProxyHeader(socket, { timeoutMs: PROXY_HEADER_TIMEOUT_MS, clock }).then(
      (endpoints) => {
        this.awaitingHeader.delete(socket);
        this.host.accept(socket, endpoints);
      },
      (err: Error) => this.headerRefused(socket, err),
    );
  }

  /**
   * A connection without a valid PROXY header was closed: a client that went around the balancer,
   * or a balancer not told to send the header. Said at most every 10 s.
   */
  private headerRefused(socket: net.Socket, err: Error): void {
    this.awaitingHeader.delete(socket);
    // Closed by close(): nothing went wrong.
    if (this.closed) return;
    const now = this.host.clock.now();
    if (now - this.lastHeaderWarning < 10_000) return;
    this.lastHeaderWarning = now;
    this.host.logger.warn(
      `closing connections without a valid PROXY header (--proxy-protocol is on): ` +
        `${socket.remoteAddress ?? 'a client'}: ${err.message}`,
    );
  }

  /**
   * Out of file descriptors, or about to be (rule 3.13). Existing connections are untouched.
   * Stop listening for a while, so new clients are refused at once (the connection is refused
   * by the kernel) instead of being accepted and dropped, then listen again, backing off while
   * descriptors stay short.
   */
  private pause(cause: string): void {
    this.refusedWhilePaused++;
    if (this.pausedSince !== 0 || this.closed) return;
    this.pausedSince = this.host.clock.now();
    this.host.logger.warn(
      `out of file descriptors (${cause}) with ${this.host.connectionCount()} connections open: ` +
        'not accepting new connections for now; existing ones are served',
    );
    for (const listener of this.listeners) listener.server.close();
    this.scheduleResume();
  }

  private scheduleResume(): void {
    this.resumeTimer = this.host.clock.setTimeout(() => void this.resume(), this.backoffMs);
    this.backoffMs = Math.min(BACKOFF_MAX_MS, this.backoffMs * 2);
  }

  private async resume(): Promise<void> {
    this.resumeTimer = undefined;
    if (this.closed) return;
    if (this.host.descriptorsShort(this.awaitingHeader.size)) return this.scheduleResume();
    for (const listener of this.listeners) {
      if (listener.server.listening) continue;
      try {
        listener.server = await this.open(listener.address.address, listener.address.port);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        if (code !== 'EMFILE' && code !== 'ENFILE') {
          this.host.logger.error(`cannot listen again on ${listener.address.address}: ${code}`);
        }
        return this.scheduleResume();
      }
      if (this.closed) return void closeServer(listener.server);
    }
    const seconds = ((this.host.clock.now() - this.pausedSince) / 1000).toFixed(1);
    this.host.logger.warn(
      `file descriptors available again: accepting new connections after ${seconds} s ` +
        `(${this.refusedWhilePaused} refused meanwhile)`,
    );
    this.pausedSince = 0;
    this.refusedWhilePaused = 0;
    this.backoffMs = BACKOFF_FIRST_MS;
  }
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) resolve();
    else server.close(() => resolve());
  });
}
