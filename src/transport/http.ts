import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { plainAddress } from '../addresses.js';
import type { Endpoints } from '../server/session.js';

/** What the HTTP listener serves, from the server behind it. */
export interface HttpHost {
  /** `/healthz`: serving, or why not. */
  health(): { readonly serving: boolean; readonly status: string };
  /** `/metrics`: Prometheus text. */
  metrics(): Promise<{ readonly contentType: string; readonly body: string }>;
  /** A client of `/ws`, upgraded: the server serves it (or turns it away, saying why). */
  websocket(ws: WebSocket, endpoints: Endpoints): void;
}

export interface HttpOptions {
  /** The largest WebSocket message read whole: bigger ones close the socket (status 1009). */
  readonly maxMessageBytes: number;
  /**
   * Origins a browser may open `/ws` from, besides the page's own (the request's `Host`); `*`
   * for any.
   */
  readonly allowedOrigins: readonly string[];
}

/** Headers on every answer: no inline scripts, no sniffing, no framing, no referrer. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; " +
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/**
 * The HTTP listener beside the chat port: `/healthz`, `/metrics`, and `/ws`, the chat protocol
 * over WebSocket (one JSON request or answer per text message).
 */
export class HttpListener {
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;

  constructor(
    private readonly host: HttpHost,
    private readonly options: HttpOptions,
  ) {
    this.server = http.createServer((req, res) => void this.serve(req, res));
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes,
      // A chat message is small: compression would cost CPU per message for little.
      perMessageDeflate: false,
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  /** Listens on `host` and `port` (0: a free one). */
  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Where it listens. */
  get address(): { readonly address: string; readonly port: number } | undefined {
    const address = this.server.address();
    return address && typeof address === 'object'
      ? { address: address.address, port: address.port }
      : undefined;
  }

  /** Stops listening; open WebSockets are the server's to close, as connections. */
  async close(): Promise<void> {
    this.wss.close();
    this.server.closeIdleConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.send(res, 405, 'text/plain', '');
    if (path === '/healthz') {
      const { serving, status } = this.host.health();
      return this.send(res, serving ? 200 : 503, 'application/json', JSON.stringify({ status }));
    }
    if (path === '/metrics') {
      const { contentType, body } = await this.host.metrics();
      return this.send(res, 200, contentType, body);
    }
    if (path === '/ws') return this.send(res, 426, 'text/plain', 'a WebSocket endpoint\n');
    this.send(res, 404, 'text/plain', 'not found\n');
  }

  private send(res: http.ServerResponse, status: number, type: string, body: string): void {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(body);
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/ws') return refuse(socket, 404, 'Not Found');
    if (!this.originAllowed(req)) return refuse(socket, 403, 'Forbidden');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const s = req.socket;
      this.host.websocket(ws, {
        remoteAddress: plainAddress(s.remoteAddress ?? ''),
        remotePort: s.remotePort ?? 0,
        localAddress: plainAddress(s.localAddress ?? ''),
        localPort: s.localPort ?? 0,
      });
    });
  }

  /**
   * A browser says where the page that opens the socket came from: only the server's own pages
   * (and the origins allowed) may, so that another site cannot chat in its visitors' names.
   * Clients that are not browsers send no `Origin`.
   */
  private originAllowed(req: http.IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const allowed = this.options.allowedOrigins;
    if (allowed.includes('*') || allowed.includes(origin)) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
