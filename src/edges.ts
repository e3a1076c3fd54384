import type net from 'node:net';
import type { ServerConfig } from './config/options.js';
import type { Clock } from './server/clock.js';
import type { Counters } from './server/counters.js';
import type { LinkInput } from './server/link.js';
import type { Logger } from './server/logger.js';
import type { Endpoints } from './server/session.js';
import type { HttpListener } from './transport/http.js';
import { TcpListeners, type ListeningAddress } from './transport/tcp.js';
import { openWeb } from './transport/web.js';
import type { WebSocketLink } from './transport/websocket.js';

/** What the listeners need of the server behind them. */
export interface EdgeHost {
  /** Serves an accepted byte stream (or turns it away, saying why). */
  accept(socket: net.Socket, endpoints: Endpoints): void;
  /** Turns an accepted socket away at once: the server is out of descriptors. */
  refuseFull(socket: net.Socket): void;
  /** True when one more client would leave too few file descriptors (rule 3.13). */
  descriptorsShort(): boolean;
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
 * Every listener the server has: the chat port (TCP) and the HTTP listener (`/ws`, `/healthz`,
 * `/metrics`). They turn what they accept into connections of the server through
 * {@link EdgeHost}, and know nothing of what happens next.
 */
export class Edges {
  private readonly tcp: TcpListeners;
  private http: HttpListener | undefined;
  private websockets = 0;

  constructor(
    private readonly config: ServerConfig,
    private readonly host: EdgeHost,
  ) {
    this.tcp = new TcpListeners({
      accept: (socket, endpoints) => host.accept(socket, endpoints),
      refuseFull: (socket) => host.refuseFull(socket),
      descriptorsShort: () => host.descriptorsShort(),
      connectionCount: () => host.connectionCount(),
      clock: host.clock,
      logger: host.logger,
      keepAliveMs: config.keepAliveMs,
      proxyProtocol: config.proxyProtocol,
    });
  }

  /** Opens the chat port, then the HTTP listener when configured. */
  async listen(): Promise<void> {
    const { config, host } = this;
    await this.tcp.listen(config.host, config.port);
    if (!config.http) return;
    const web = {
      connect: (link: WebSocketLink, endpoints: Endpoints) => host.connect(link, endpoints),
      connections: () => ({
        tcp: host.connectionCount() - this.websockets,
        websocket: this.websockets,
      }),
      local: () => host.local(),
      serving: () => host.notServing() === undefined,
      counters: host.counters,
      notServing: () => host.notServing(),
    };
    this.http = await openWeb(config, web, (d) => (this.websockets += d));
  }

  /** The chat port's addresses. */
  get addresses(): readonly ListeningAddress[] {
    return this.tcp.addresses;
  }

  /** Where the HTTP listener listens, when there is one. */
  get webAddress(): { readonly address: string; readonly port: number } | undefined {
    return this.http?.address;
  }

  /** Stops accepting on the chat port; resolves when its listeners are closed. */
  closeChat(): Promise<void> {
    return this.tcp.close();
  }

  /** Closes the HTTP listener: last, so that `/healthz` answers 503 until the end. */
  async closeWeb(): Promise<void> {
    await this.http?.close();
  }
}
