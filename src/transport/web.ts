import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { ServerConfig } from '../config/options.js';
import { besidePort } from '../config/resolve.js';
import type { LinkInput } from '../server/link.js';
import { Metrics, type MetricsSource } from '../server/metrics.js';
import type { Endpoints } from '../server/session.js';
import { HttpListener, type HttpsOptions } from './http.js';
import { StaticFiles } from './static.js';
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
 * @param secure with a certificate: HTTPS and WSS instead of HTTP and WS
 */
export async function openWeb(
  config: ServerConfig,
  host: WebHost,
  websockets: (delta: 1 | -1) => void,
  secure?: HttpsOptions,
): Promise<HttpListener> {
  const metrics = new Metrics(host);
  const listener = new HttpListener(
    {
      health: () => {
        const why = host.notServing();
        return { serving: why === undefined, status: why ?? 'serving' };
      },
      metrics: () => metrics.scrape(),
      websocket: (ws: WebSocket, socket: Duplex, endpoints: Endpoints) => {
        // Until a connection takes it, and if it is turned away, errors end the socket only.
        ws.on('error', () => ws.terminate());
        const link = new WebSocketLink(ws, socket);
        const input = host.connect(link, endpoints);
        if (!input) return;
        websockets(1);
        ws.once('close', () => websockets(-1));
        link.attach(input);
      },
    },
    // A message a little over the frame limit is read and refused with FRAME_TOO_LARGE, as a
    // TCP frame is; a bigger one is not even read (the WebSocket closes, status 1009).
    {
      maxMessageBytes: config.maxFrameBytes + 1024,
      allowedOrigins: config.allowedOrigins,
      names: [config.host, config.httpHost].filter((name) => name !== ''),
      files: new StaticFiles(),
      trustProxy: config.trustProxy,
      ...(secure ? { secure } : {}),
    },
  );
  const port = besidePort(config.httpPort, config.port, 1);
  try {
    await listener.listen(config.httpHost || config.host, port);
  } catch (err) {
    await listener.close(); // the addresses it did take
    throw err;
  }
  return listener;
}
