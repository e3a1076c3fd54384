import type net from 'node:net';
import tls from 'node:tls';
import type { Timer } from '../server/clock.js';
import type { Endpoints } from '../server/session.js';
import type { Certificates } from './certificates.js';
import { TcpListeners, type ListeningAddress, type TcpHost } from './tcp.js';

/** What the TLS edge needs of the server behind it. */
export interface TlsHost extends Omit<TcpHost, 'accept' | 'refuseFull'> {
  /** Serves a TLS stream, handshake under way (or turns it away, saying why). */
  accept(stream: tls.TLSSocket, endpoints: Endpoints): void;
}

/** The longest a TLS handshake may take, whatever the registration timeout. */
export const HANDSHAKE_LIMIT_MS = 10_000;

/**
 * The TLS layer over an accepted TCP socket, as the server's side of the handshake, with the
 * certificate in use now. The one step between the raw socket and the server: whatever must read
 * the raw socket first (a PROXY protocol header) goes before it.
 */
export function secureSocket(raw: net.Socket, context: tls.SecureContext): tls.TLSSocket {
  return new tls.TLSSocket(raw, { isServer: true, secureContext: context });
}

/**
 * The chat protocol over TLS (docs/protocol.md, rule 2.9): TCP listeners as for the plain port
 * (descriptor back-off, keepalive, no Nagle), each accepted socket wrapped in TLS and handed to
 * the server at once, so that it counts against the connection limits as a TCP one does, before
 * any handshake. A client that has not finished its handshake within `handshakeMs` is closed:
 * one sweep on one timer for all of them.
 */
export class TlsListeners {
  private readonly tcp: TcpListeners;
  /** Sockets still in their handshake, and since when. */
  private readonly handshaking = new Map<tls.TLSSocket, number>();
  private sweeper: Timer | undefined;

  constructor(
    private readonly host: TlsHost,
    private readonly certificates: Certificates,
    private readonly handshakeMs: number,
  ) {
    this.tcp = new TcpListeners({
      ...host,
      accept: (raw, endpoints) => host.accept(this.wrap(raw), endpoints),
      // Out of descriptors, a handshake to say so would cost more than it tells: the raw
      // socket is closed (a PROXY header, if one is coming, would be read as a ClientHello).
      refuseFull: (raw) => raw.destroy(),
    });
  }

  get addresses(): readonly ListeningAddress[] {
    return this.tcp.addresses;
  }

  async listen(address: string, port: number): Promise<void> {
    await this.tcp.listen(address, port);
    const every = Math.max(10, Math.min(1000, Math.floor(this.handshakeMs / 4)));
    this.sweeper ??= this.host.clock.setInterval(() => this.sweep(), every).unref();
  }

  /**
   * Stops accepting; resolves once every listener has closed. A handshake under way may still
   * finish: its connection is the server's, closed with the others on a shutdown.
   */
  close(): Promise<void> {
    this.host.clock.clearInterval(this.sweeper);
    return this.tcp.close();
  }

  private wrap(raw: net.Socket): tls.TLSSocket {
    const secure = secureSocket(raw, this.certificates.context);
    this.handshaking.set(secure, this.host.clock.now());
    const done = () => this.handshaking.delete(secure);
    secure.once('secure', done);
    secure.once('close', done);
    return secure;
  }

  /** Closes the sockets whose handshake has taken too long. */
  private sweep(): void {
    const now = this.host.clock.now();
    for (const [socket, since] of this.handshaking) {
      if (now - since <= this.handshakeMs) continue;
      this.handshaking.delete(socket);
      this.host.logger.debug(`no TLS handshake within ${this.handshakeMs} ms: closing`);
      socket.destroy();
    }
  }
}
