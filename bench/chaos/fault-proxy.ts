/**
 * A TCP proxy on loopback that injects network faults between a node and Redis, for the chaos
 * run and the partition tests. Each accepted connection gets its own connection upstream; bytes
 * travel in order in both directions, and the proxy's mode decides how:
 *
 *   pass        forwarded at once
 *   delay(ms)   each chunk held `ms` before it goes on (order kept)
 *   blackhole   nothing goes on: both directions are held, as a partition does with TCP's
 *               retransmissions, and new connections are accepted but go nowhere; `pass()`
 *               (or `delay`) sends everything held on, `reset()` throws it away
 *   reset()     every open connection is reset (RST) on both sides, once; the mode stays
 *
 * It loses nothing by itself: a fault is only what the mode says.
 */
import net from 'node:net';

export type ProxyMode = 'pass' | 'delay' | 'blackhole';

/** Where the proxy forwards to. */
export interface Upstream {
  readonly host: string;
  readonly port: number;
}

/** One direction of one proxied connection: chunks waiting to go on, oldest first. */
class Direction {
  private readonly queue: { at: number; chunk: Buffer }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly to: net.Socket,
    private readonly proxy: FaultProxy,
  ) {}

  push(chunk: Buffer): void {
    this.queue.push({ at: Date.now() + this.proxy.delayMs, chunk });
    this.pump();
  }

  /** Sends on whatever the mode lets through now, and comes back for the rest. */
  pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.proxy.mode === 'blackhole' || this.to.destroyed) return;
    const now = Date.now();
    while (this.queue.length && this.queue[0]!.at <= now) this.to.write(this.queue.shift()!.chunk);
    if (this.queue.length) {
      this.timer = setTimeout(() => this.pump(), this.queue[0]!.at - now);
    }
  }

  /** Chunks held now. */
  get held(): number {
    return this.queue.length;
  }

  drop(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

/** A pair of sockets, client side and upstream side, and what travels between them. */
class Pair {
  readonly up: Direction;
  readonly down: Direction;
  private closed = false;

  constructor(
    private readonly client: net.Socket,
    private readonly upstream: net.Socket,
    private readonly proxy: FaultProxy,
  ) {
    this.up = new Direction(upstream, proxy);
    this.down = new Direction(client, proxy);
    client.on('data', (chunk: Buffer) => this.up.push(chunk));
    upstream.on('data', (chunk: Buffer) => this.down.push(chunk));
    // One side ending or failing ends the other, as a real connection would.
    for (const socket of [client, upstream]) {
      socket.on('error', () => this.reset());
      socket.on('close', () => this.reset());
    }
  }

  pump(): void {
    this.up.pump();
    this.down.pump();
  }

  /** Resets both sides (RST, not FIN), dropping what is held. */
  reset(): void {
    if (this.closed) return;
    this.closed = true;
    this.up.drop();
    this.down.drop();
    for (const socket of [this.client, this.upstream]) {
      if (!socket.destroyed) socket.resetAndDestroy();
    }
    this.proxy.forget(this);
  }
}

/** A fault-injecting TCP proxy in front of one upstream. */
export class FaultProxy {
  mode: ProxyMode = 'pass';
  delayMs = 0;
  /** Connections accepted since the start. */
  accepted = 0;
  private readonly pairs = new Set<Pair>();

  private constructor(
    private readonly server: net.Server,
    private readonly upstream: Upstream,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Listens on 127.0.0.1 (`port` 0: any free port) and forwards to `upstream`. */
  static async start(upstream: Upstream, port = 0): Promise<FaultProxy> {
    const server = net.createServer({ noDelay: true });
    const proxy = new FaultProxy(server, upstream);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** The port it listens on. */
  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** `host:port` of the proxy, as a Redis URL. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Open connections. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Forwards at once, sending on everything held. */
  pass(): void {
    this.setMode('pass', 0);
  }

  /** Holds every chunk `ms` before it goes on. */
  delay(ms: number): void {
    this.setMode('delay', ms);
  }

  /** Forwards nothing, holding it, until the mode changes. */
  blackhole(): void {
    this.setMode('blackhole', this.delayMs);
  }

  /** Resets every open connection; new ones are accepted as the mode says. */
  reset(): void {
    for (const pair of [...this.pairs]) pair.reset();
  }

  /** Stops listening and resets every connection. */
  async close(): Promise<void> {
    this.reset();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** @internal a pair that ended */
  forget(pair: Pair): void {
    this.pairs.delete(pair);
  }

  private setMode(mode: ProxyMode, delayMs: number): void {
    this.mode = mode;
    this.delayMs = delayMs;
    for (const pair of this.pairs) pair.pump();
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    client.setNoDelay(true);
    const upstream = net.connect({ host: this.upstream.host, port: this.upstream.port });
    upstream.setNoDelay(true);
    this.pairs.add(new Pair(client, upstream, this));
  }
}
