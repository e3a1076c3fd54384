import { lookup } from 'node:dns/promises';
import net from 'node:net';
import type { ChatServer } from './chat-server.js';

/** One address the server listens on. */
export interface ListeningAddress {
  readonly address: string;
  readonly family: string;
  readonly port: number;
}

/**
 * The TCP edge: listens, turns each accepted socket into {@link Endpoints}, and hands it to
 * {@link ChatServer.handle}. Nagle's algorithm is off, since chat frames are small and latency
 * matters more than packet count.
 */
export class TcpListeners {
  private servers: net.Server[] = [];
  private bound: ListeningAddress[] = [];

  constructor(private readonly chat: ChatServer) {}

  get addresses(): readonly ListeningAddress[] {
    return this.bound;
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
      const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) =>
        this.accept(socket),
      );
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: address, port: chosenPort, exclusive: true }, () => {
            server.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        failures.push(err as Error);
        continue;
      }
      server.on('error', (err) => this.chat.logger.error(`listener error: ${err.message}`));
      const info = server.address() as net.AddressInfo;
      chosenPort = info.port;
      this.servers.push(server);
      this.bound.push({ address: info.address, family: info.family, port: info.port });
    }
    if (this.servers.length === 0) throw failures[0] ?? new Error(`${host} resolves to nothing`);
    for (const err of failures) this.chat.logger.warn(`could not listen: ${err.message}`);
  }

  /** Stops accepting; resolves once every listener has closed. */
  async close(): Promise<void> {
    const closing = this.servers.map(
      (server) => new Promise<void>((resolve) => server.close(() => resolve())),
    );
    this.servers = [];
    await Promise.all(closing);
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    this.chat.handle(socket, {
      remoteAddress: plainAddress(socket.remoteAddress ?? ''),
      remotePort: socket.remotePort ?? 0,
      localAddress: plainAddress(socket.localAddress ?? ''),
      localPort: socket.localPort ?? 0,
    });
  }
}

/** `::ffff:127.0.0.1` -> `127.0.0.1`: an IPv4 client is reported as IPv4 (rule 4.5). */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
