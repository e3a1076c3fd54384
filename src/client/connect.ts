import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ChatClient } from './chat-client.js';
import { NatterError } from './errors.js';
import { joinOver, type JoinOptions } from './join.js';
import {
  DEFAULT_TLS_PORT,
  certificateProblem,
  connectTls,
  notTls,
  tlsOptions,
  type TlsOption,
} from './tls-socket.js';

/** Options for {@link connect}. */
export interface ConnectOptions extends JoinOptions {
  /** Server host; default `localhost`. */
  host?: string;
  /** Server port; default 20825, or 20827 with `tls`. */
  port?: number;
  /**
   * TLS: `true` (the system's certificate authorities, the host name checked), or Node's
   * `tls.connect` options (`ca`, `rejectUnauthorized`, `servername`...). With `host` and `port`,
   * the server's chat port over TLS (docs/protocol.md, rule 2.9); with a `wss://` url, the
   * options of its connection.
   */
  tls?: TlsOption;
  /** An already-open stream to the server, instead of `host` and `port` (not with `reconnect`). */
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
 * // or, to survive a lost connection: connect({ ..., reconnect: true })
 * await client.chat('hello');
 * for await (const event of client) console.log(event);
 */
export async function connect(options: ConnectOptions): Promise<ChatClient> {
  if (options.stream) {
    if (options.reconnect) {
      const text =
        'reconnect needs host and port, or url, to connect again: a stream is opened once';
      throw new NatterError('EINVAL', text);
    }
    return joinOver(options.stream, options);
  }
  const open = () => (options.url ? openWebSocket(options.url, options) : openSocket(options));
  return joinOver(await open(), options, { reopen: open });
}

function openSocket(options: ConnectOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const host = options.host ?? 'localhost';
    const port = options.port ?? (options.tls ? DEFAULT_TLS_PORT : 20825);
    const socket = options.tls
      ? connectTls(host, port, options.tls)
      : net.connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new NatterError('ETIMEDOUT', 'timed out connecting to the server'));
    }, options.timeoutMs ?? 10_000);
    socket.once(options.tls ? 'secureConnect' : 'connect', () => {
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
  if (options.tls && !url.startsWith('wss:')) {
    throw new NatterError('EINVAL', `tls is given for ${url}: TLS needs a wss:// URL`);
  }
  const ws = new WebSocket(url, { perMessageDeflate: false, ...tlsOptions(options.tls) });
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
      const problem = certificateProblem(err);
      const text = refused
        ? `connection refused by ${url}: is the server running?`
        : problem
          ? `${problem} (${TRUST_HINT})`
          : err.message;
      reject(new NatterError(err.code ?? 'ECONNECT', `cannot connect to ${url}: ${text}`));
    });
  });
  return createWebSocketStream(ws);
}

/** How to trust a server's certificate, for the library's messages. */
const TRUST_HINT =
  'give the certificate that signed it as tls: { ca }, or tls: { rejectUnauthorized: false } ' +
  'to skip the check';

function describeNetworkError(err: NodeJS.ErrnoException, options: ConnectOptions): string {
  const port = options.port ?? (options.tls ? DEFAULT_TLS_PORT : 20825);
  const where = `${options.host ?? 'localhost'}:${port}`;
  if (err.code === 'ECONNREFUSED') return `connection refused by ${where}: is the server running?`;
  const problem = certificateProblem(err);
  if (problem) return `cannot connect to ${where} over TLS: ${problem} (${TRUST_HINT})`;
  if (notTls(err)) {
    return `${where} does not answer in TLS: it may be a plain chat port (the TLS one is ${DEFAULT_TLS_PORT} unless the server was told otherwise)`;
  }
  if (err.code === 'ENOTFOUND') return `unknown host ${options.host}`;
  return `cannot connect to ${where}: ${err.message}`;
}
