import http from 'node:http';
import https from 'node:https';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { plainAddress } from '../addresses.js';
import type { StaticFiles } from './static.js';
import type { Endpoints } from '../server/session.js';
import { ForwardedFor } from './forwarded.js';

/** What the HTTP listener serves, from the server behind it. */
export interface HttpHost {
  /** `/healthz`: serving, or why not. */
  health(): { readonly serving: boolean; readonly status: string };
  /** `/metrics`: Prometheus text. */
  metrics(): Promise<{ readonly contentType: string; readonly body: string }>;
  /**
   * A client of `/ws`, upgraded: the server serves it (or turns it away, saying why). `socket` is
   * the connection under it.
   */
  websocket(ws: WebSocket, socket: Duplex, endpoints: Endpoints): void;
}

export interface HttpOptions {
  /** The largest WebSocket message read at all: bigger ones close the socket (status 1009). */
  readonly maxMessageBytes: number;
  /**
   * Origins a browser may open `/ws` from, besides the page's own (the request's `Host`); `*`
   * for any.
   */
  readonly allowedOrigins: readonly string[];
  /** Names the server is reached by (its configured hosts), besides IP addresses and localhost. */
  readonly names: readonly string[];
  /** The web client, served at `/`. */
  readonly files?: StaticFiles;
  /** Reverse proxies whose `X-Forwarded-For` names the client of `/ws` (rule 3.14). */
  readonly trustProxy: readonly string[];
  /** With a certificate: HTTPS (and WSS) instead of HTTP (and WS). */
  readonly secure?: HttpsOptions;
}

/** What an HTTPS listener is made from. */
export interface HttpsOptions {
  /** The certificate chain and key, as PEM, read when a server is created. */
  pem(): { readonly cert: Buffer; readonly key: Buffer };
  /** A client that has not finished its TLS handshake within this is closed. */
  readonly handshakeMs: number;
}

/**
 * Headers on every answer: no inline scripts, no sniffing, no framing, no referrer. The page may
 * open WebSockets to its own server only (`'self'` covers `ws:` in current browsers; older ones
 * need the scheme spelled, so the host the page was asked from is named too).
 */
function securityHeaders(host: string | undefined): Record<string, string> {
  const own =
    host !== undefined && /^[a-z0-9.:[\]-]+$/i.test(host) ? ` ws://${host} wss://${host}` : '';
  return {
    'Content-Security-Policy':
      `default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'${own}; ` +
      "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; " +
      "form-action 'self'",
    ...SAFETY_HEADERS,
  };
}

const SAFETY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/**
 * The HTTP listener beside the chat port: `/healthz`, `/metrics`, and `/ws`, the chat protocol
 * over WebSocket (one JSON request or answer per text message). With a certificate it serves
 * HTTPS and WSS, the same routes.
 */
export class HttpListener {
  /** One server per address the host resolves to, all on one port (as the TCP listeners). */
  private readonly servers: (http.Server | https.Server)[] = [];
  private readonly wss: WebSocketServer;
  private readonly forwarded: ForwardedFor;

  constructor(
    private readonly host: HttpHost,
    private readonly options: HttpOptions,
  ) {
    this.forwarded = new ForwardedFor(options.trustProxy);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes,
      // A message in many tiny fragments would cost far more memory than its bytes.
      maxFragments: 64,
      // The core checks UTF-8 itself, answering INVALID_UTF8 as on TCP (rule 2.5).
      skipUTF8Validation: true,
      // A chat message is small: compression would cost CPU per message for little.
      perMessageDeflate: false,
    });
  }

  /**
   * Listens on every address `host` resolves to (`localhost`: 127.0.0.1 and ::1 where both are),
   * on `port` (0: a free one, the same for all).
   */
  async listen(host: string, port: number): Promise<void> {
    const resolved = isIP(host) ? [{ address: host }] : await lookup(host, { all: true });
    const { secure } = this.options;
    const handler: http.RequestListener = (req, res) => void this.serve(req, res);
    for (const { address } of resolved) {
      const server = secure
        ? https.createServer({ ...secure.pem(), handshakeTimeout: secure.handshakeMs }, handler)
        : http.createServer(handler);
      server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, address, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.servers.push(server);
      port = (server.address() as { port: number }).port;
    }
  }

  /** Where it listens (the first address). */
  get address(): { readonly address: string; readonly port: number } | undefined {
    const address = this.servers[0]?.address();
    return address && typeof address === 'object'
      ? { address: address.address, port: address.port }
      : undefined;
  }

  /** Serves new HTTPS connections with another certificate; open ones keep theirs. */
  useCertificate(pem: { readonly cert: Buffer; readonly key: Buffer }): void {
    for (const server of this.servers) {
      if (server instanceof https.Server) server.setSecureContext(pem);
    }
  }

  /** Stops listening; open WebSockets are the server's to close, as connections. */
  async close(): Promise<void> {
    this.wss.close();
    await Promise.all(
      this.servers.map((server) => {
        server.closeIdleConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      }),
    );
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      await this.route(req, res);
    } catch {
      if (!res.headersSent) this.send(res, 500, 'text/plain', 'internal error\n');
      else res.destroy();
    }
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(securityHeaders(req.headers.host))) {
      res.setHeader(name, value);
    }
    const path = pathOf(req);
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.send(res, 405, 'text/plain', '');
    if (path === '/healthz') {
      const { serving, status } = this.host.health();
      return this.send(res, serving ? 200 : 503, 'application/json', JSON.stringify({ status }));
    }
    if (path === '/metrics') {
      const { contentType, body } = await this.host.metrics();
      return this.send(res, 200, contentType, body);
    }
    if (path === '/ws') {
      res.setHeader('Upgrade', 'websocket');
      return this.send(res, 426, 'text/plain', 'a WebSocket endpoint\n');
    }
    if (this.options.files?.serve(req, res, path)) return;
    if (path === '/') {
      const why = 'the web client is not built here: `npm run build` builds it\n';
      return this.send(res, 404, 'text/plain', why);
    }
    this.send(res, 404, 'text/plain', 'not found\n');
  }

  private send(res: http.ServerResponse, status: number, type: string, body: string): void {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(body);
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    // Node lets go of the socket on an upgrade: its errors are ours to take from here.
    socket.on('error', () => socket.destroy());
    if (pathOf(req) !== '/ws') return refuse(socket, 404, 'Not Found');
    if (!this.originAllowed(req)) return refuse(socket, 403, 'Forbidden');
    const s = req.socket;
    const endpoints: Endpoints = {
      // Behind a trusted proxy, the client it names; from anyone else, the header is ignored.
      remoteAddress: this.forwarded.client(
        plainAddress(s.remoteAddress ?? ''),
        req.headers['x-forwarded-for'],
      ),
      remotePort: s.remotePort ?? 0,
      localAddress: plainAddress(s.localAddress ?? ''),
      localPort: s.localPort ?? 0,
    };
    // No closure here refers to the request: the socket's error handler keeps this function's
    // closures' shared scope alive as long as the connection, and with it the request's headers.
    this.wss.handleUpgrade(req, socket, head, (ws) => this.host.websocket(ws, socket, endpoints));
  }

  /**
   * A browser says where the page that opens the socket came from: only the server's own pages
   * (and the origins allowed) may, so that another site cannot chat in its visitors' names.
   * Clients that are not browsers send no `Origin`. An allowed origin is compared without a
   * trailing slash.
   */
  private originAllowed(req: http.IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const allowed = this.options.allowedOrigins.map((o) => o.replace(/\/+$/, ''));
    if (allowed.includes('*') || allowed.includes(origin.replace(/\/+$/, ''))) return true;
    try {
      // The page's own origin, on a name the server goes by: a page whose name was pointed at
      // this machine (DNS rebinding) has the same origin as its Host, but not a name we know.
      const host = new URL(`http://${req.headers.host ?? ''}`).hostname.replace(/^\[|\]$/g, '');
      const known = isIP(host) !== 0 || host === 'localhost' || this.options.names.includes(host);
      return known && new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }
}

/** Answers an upgrade it will not make, and lets go of the socket. */
function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () =>
    socket.destroy(),
  );
  // A client that never reads its answer holds nothing for long.
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** The request's path; empty (found nowhere) for a target that is no path (`//`, `*`, garbage). */
function pathOf(req: http.IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return '';
  }
}
