import type net from 'node:net';
import type tls from 'node:tls';
import type { ServerConfig } from './config/options.js';
import { besidePort } from './config/resolve.js';
import type { Clock } from './server/clock.js';
import type { Counters } from './server/counters.js';
import type { LinkInput } from './server/link.js';
import type { Logger } from './server/logger.js';
import type { Endpoints } from './server/session.js';
import { Certificates, CertificateError } from './transport/certificates.js';
import type { HttpListener } from './transport/http.js';
import { TcpListeners, type ListeningAddress } from './transport/tcp.js';
import { HANDSHAKE_LIMIT_MS, TlsListeners } from './transport/tls.js';
import { proxyPeers } from './transport/forwarded.js';
import { openWeb } from './transport/web.js';
import type { WebSocketLink } from './transport/websocket.js';

/** What the listeners need of the server behind them. */
export interface EdgeHost {
  /** Serves an accepted TCP socket (or turns it away, saying why). */
  accept(socket: net.Socket, endpoints: Endpoints): void;
  /**
   * Serves a TLS stream (or turns it away, saying why): never written around its encryption,
   * so never by the native fan-out. True when it is served.
   */
  acceptEncrypted(stream: tls.TLSSocket, endpoints: Endpoints): boolean;
  /** Turns an accepted socket (TCP or TLS) away at once: the server is out of descriptors. */
  refuseFull(socket: net.Socket): void;
  /** True when one more client would leave too few file descriptors (rule 3.13). */
  /** True when `pending` more sockets would leave too few file descriptors (rule 3.13). */
  descriptorsShort(pending: number): boolean;
  /** Serves a message-based client (a WebSocket); undefined when it was turned away. */
  connect(link: WebSocketLink, endpoints: Endpoints): LinkInput | undefined;
  /** Open connections of every transport. */
  connectionCount(): number;
  /** Members and rooms with members on this node. */
  local(): { readonly members: number; readonly rooms: number };
  /** Why the server takes no new members, when it does not (`/healthz`). */
  notServing(): string | undefined;
  readonly counters: Counters;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Every listener the server has: the chat port (TCP), the chat port over TLS, and the HTTP
 * listener (`/ws`, `/healthz`, `/metrics`; HTTPS with a certificate). They turn what they accept
 * into connections of the server through {@link EdgeHost}, and know nothing of what happens
 * next. With a certificate, it is held here, once, for TLS and HTTPS alike.
 */
export class Edges {
  private readonly tcp: TcpListeners | undefined;
  private readonly tls: TlsListeners | undefined;
  /** The TLS certificate, when there is one. */
  readonly certificates: Certificates | undefined;
  private http: HttpListener | undefined;
  private websockets = 0;
  private encrypted = 0;
  /** How long a TLS handshake may take: the registration timeout, at most 10 s. */
  private handshakeMs = HANDSHAKE_LIMIT_MS;

  /** Reads the certificate when there is one: throws {@link CertificateError}. */
  constructor(
    private readonly config: ServerConfig,
    private readonly host: EdgeHost,
  ) {
    const base = {
      descriptorsShort: (pending: number) => host.descriptorsShort(pending),
      connectionCount: () => host.connectionCount(),
      clock: host.clock,
      logger: host.logger,
      keepAliveMs: config.keepAliveMs,
      proxyFrom: config.proxyProtocol ? proxyPeers(config.trustProxy) : undefined,
    };
    if (config.tcp) {
      this.tcp = new TcpListeners({
        ...base,
        accept: (socket, endpoints) => host.accept(socket, endpoints),
        refuseFull: (socket) => host.refuseFull(socket),
      });
    }
    if (config.tlsCert === '') return;
    const certificates = (this.certificates = new Certificates(config.tlsCert, config.tlsKey));
    const handshakeMs = Math.min(HANDSHAKE_LIMIT_MS, config.registrationTimeoutMs || Infinity);
    this.handshakeMs = handshakeMs;
    const accept = (stream: tls.TLSSocket, endpoints: Endpoints) => {
      if (!host.acceptEncrypted(stream, endpoints)) return;
      this.encrypted++;
      stream.once('close', () => this.encrypted--);
    };
    this.tls = new TlsListeners({ ...base, accept }, certificates, handshakeMs);
  }

  /** Opens the chat port, the TLS chat port, then the HTTP listener, as configured. */
  async listen(): Promise<void> {
    const { config, host } = this;
    await this.tcp?.listen(config.host, config.port).catch(tagged('port'));
    const tlsPort = besidePort(config.tlsPort, config.port, 2);
    await this.tls?.listen(config.host, tlsPort).catch(tagged('tlsPort'));
    if (!config.http) return;
    const web = {
      connect: (link: WebSocketLink, endpoints: Endpoints) => host.connect(link, endpoints),
      connections: () => ({
        tcp: host.connectionCount() - this.websockets - this.encrypted,
        tls: this.encrypted,
        websocket: this.websockets,
      }),
      local: () => host.local(),
      serving: () => host.notServing() === undefined,
      counters: host.counters,
      notServing: () => host.notServing(),
    };
    const { certificates, handshakeMs } = this;
    const secure = certificates && { pem: () => certificates.pem, handshakeMs };
    this.http = await openWeb(config, web, (d) => (this.websockets += d), secure).catch(
      tagged('httpPort'),
    );
  }

  /** The plain chat port's addresses; none when it is off. */
  get addresses(): readonly ListeningAddress[] {
    return this.tcp?.addresses ?? [];
  }

  /** The TLS chat port's addresses; none without a certificate. */
  get tlsAddresses(): readonly ListeningAddress[] {
    return this.tls?.addresses ?? [];
  }

  /**
   * Reads the certificate and its key again: new connections, TLS and HTTPS, get them; open ones
   * are untouched. A failure is logged, and the certificate in use is kept.
   * @returns true when the certificate was reloaded
   */
  reloadCertificates(): boolean {
    const { certificates } = this;
    const { logger } = this.host;
    if (!certificates) {
      logger.warn('no TLS certificate to reload: the server was started without --tls-cert');
      return false;
    }
    try {
      certificates.reload();
    } catch (err) {
      if (!(err instanceof CertificateError)) throw err;
      logger.warn(`${err.message}: still serving the certificate loaded before`);
      return false;
    }
    this.http?.useCertificate(certificates.pem);
    logger.info(`TLS certificate reloaded: ${certificates.describe()}`);
    const problem = certificates.validityProblem(Date.now());
    if (problem) logger.warn(problem);
    return true;
  }

  /** Where the HTTP listener listens, when there is one. */
  get webAddress(): { readonly address: string; readonly port: number } | undefined {
    return this.http?.address;
  }

  /** Stops accepting on the chat ports; resolves when their listeners are closed. */
  async closeChat(): Promise<void> {
    await Promise.all([this.tcp?.close(), this.tls?.close()]);
  }

  /** Closes the HTTP listener: last, so that `/healthz` answers 503 until the end. */
  async closeWeb(): Promise<void> {
    await this.http?.close();
  }
}

/** Says which option's port a listener failed on (`natter serve` names it). */
function tagged(option: keyof ServerConfig): (err: unknown) => never {
  return (err: unknown) => {
    if (err !== null && typeof err === 'object') Object.assign(err, { option });
    throw err;
  };
}
