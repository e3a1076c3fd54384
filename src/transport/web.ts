import type { WebSocket } from 'ws';
import type { ServerConfig } from '../config/options.js';
import type { LinkInput } from '../server/link.js';
import { Metrics, type MetricsSource } from '../server/metrics.js';
import type { Endpoints } from '../server/session.js';
import { HttpListener } from './http.js';
import { WebSocketLink } from './websocket.js';

/** What the web edge needs of the server behind it. */
export interface WebHost extends MetricsSource {
  /** Serves a client of any transport; undefined when it was turned away (and told why). */
  connect(link: WebSocketLink, endpoints: Endpoints): LinkInput | undefined;
  /** Why the server takes no new members, when it does not. */
  notServing(): string | undefined;
}

/**
 * The HTTP listener with its routes wired to the server: `/ws` serves each WebSocket as a
 * connection (the same limits and rules as TCP), `/healthz` and `/metrics` report on it.
 * @param websockets told when a WebSocket connection opens (+1) and closes (-1)
 */
export async function openWeb(
  config: ServerConfig,
  host: WebHost,
  websockets: (delta: 1 | -1) => void,
): Promise<HttpListener> {
  const metrics = new Metrics(host);
  const listener = new HttpListener(
    {
      health: () => {
        const why = host.notServing();
        return { serving: why === undefined, status: why ?? 'serving' };
      },
      metrics: () => metrics.scrape(),
      websocket: (ws: WebSocket, endpoints: Endpoints) => {
        const link = new WebSocketLink(ws);
        const input = host.connect(link, endpoints);
        if (!input) return;
        websockets(1);
        ws.once('close', () => websockets(-1));
        link.attach(input);
      },
    },
    // Up to 4 times the frame limit is read whole and refused with FRAME_TOO_LARGE like a TCP
    // frame; a bigger message is not even read (the WebSocket closes, status 1009).
    { maxMessageBytes: 4 * config.maxFrameBytes, allowedOrigins: config.allowedOrigins },
  );
  const port = config.httpPort >= 0 ? config.httpPort : config.port === 0 ? 0 : config.port + 1;
  await listener.listen(config.httpHost || config.host, port);
  return listener;
}
