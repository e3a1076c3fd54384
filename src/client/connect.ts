import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ChatClient } from './chat-client.js';
import { NatterError } from './errors.js';
import { joinOver, type JoinOptions } from './join.js';

/** Options for {@link connect}. */
export interface ConnectOptions extends JoinOptions {
  /** Server host; default `localhost`. */
  host?: string;
  /** Server port; default 20825. */
  port?: number;
  /** An already-open stream to the server, instead of `host` and `port`. */
  stream?: Duplex;
  /**
   * A WebSocket URL instead of `host` and `port`: `ws://host:20826/ws` (or `wss://`), the
   * server's HTTP listener (docs/protocol.md, rule 2.8). Uses the `ws` package.
   */
  url?: string;
}

/**
 * Connects to a Natter (or seed) server and joins with a nickname.
 * Rejects with a {@link NatterError}: code `01` (nickname taken), `02` (room full), an error
 * code such as `909` (invalid nickname), or a network error such as `ECONNREFUSED`.
 * @example
 * const client = await connect({ host: '127.0.0.1', port: 20825, nickname: 'alice' });
 * client.on('chat', (e) => console.log(`${e.from}: ${e.msg}`));
 * await client.chat('hello');
 * for await (const event of client) console.log(event);
 */
export async function connect(options: ConnectOptions): Promise<ChatClient> {
  const stream =
    options.stream ??
    (options.url ? await openWebSocket(options.url, options) : await openSocket(options));
  return joinOver(stream, options);
}

function openSocket(options: ConnectOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      host: options.host ?? 'localhost',
      port: options.port ?? 20825,
      noDelay: true,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new NatterError('ETIMEDOUT', 'timed out connecting to the server'));
    }, options.timeoutMs ?? 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new NatterError(err.code ?? 'ECONNECT', describeNetworkError(err, options)));
    };
    socket.once('error', onError);
  });
}

/**
 * A WebSocket to `url` as a duplex stream: each write (one NDJSON frame) goes as one message,
 * each message arrives as a chunk (one JSON object, which the decoder reads like a frame).
 */
async function openWebSocket(url: string, options: ConnectOptions): Promise<Duplex> {
  const { WebSocket, createWebSocketStream } = await import('ws');
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new NatterError('ETIMEDOUT', `timed out connecting to ${url}`));
    }, options.timeoutMs ?? 10_000);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const refused = err.code === 'ECONNREFUSED';
      const text = refused ? `connection refused by ${url}: is the server running?` : err.message;
      reject(new NatterError(err.code ?? 'ECONNECT', `cannot connect to ${url}: ${text}`));
    });
  });
  return createWebSocketStream(ws);
}

function describeNetworkError(err: NodeJS.ErrnoException, options: ConnectOptions): string {
  const where = `${options.host ?? 'localhost'}:${options.port ?? 20825}`;
  if (err.code === 'ECONNREFUSED') return `connection refused by ${where}: is the server running?`;
  if (err.code === 'ENOTFOUND') return `unknown host ${options.host}`;
  return `cannot connect to ${where}: ${err.message}`;
}
