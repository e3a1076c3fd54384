/**
 * The client library in a browser: the same {@link ChatClient}, over the browser's own
 * WebSocket. `npm run build` bundles this file as `dist/web/natter-client.js` (an ES module).
 * @example
 * import { connect } from './natter-client.js';
 * const client = await connect({ url: 'ws://localhost:20826/ws', nickname: 'alice' });
 * client.on('chat', (e) => console.log(`${e.from}: ${e.msg}`));
 * // or, to survive a lost connection: connect({ url, nickname: 'alice', reconnect: true })
 */
import type { ChatClient } from './chat-client.js';
import { NatterError } from './errors.js';
import { joinOver, type JoinOptions } from './join.js';
import type { ClientStream } from './stream.js';

export { ChatClient, type User } from './chat-client.js';
export { type ChatEvent } from './events.js';
export type { HistoryMessage, HistoryPage, HistoryQuery } from './history.js';
export type {
  AuditEntry,
  AuditPage,
  AuditQuery,
  BanInfo,
  BanList,
  BanOptions,
  BanResult,
  MuteInfo,
  UnbanOptions,
} from './moderation.js';
export type { ChatReceipt } from './outbox.js';
export type { ReconnectOptions } from './retry.js';
export { NatterError } from './errors.js';
export { DEFAULT_MESSAGE_LIMITS, messageProblem, splitMessage } from './limits.js';

/** Options for {@link connect} in a browser. */
export interface BrowserConnectOptions extends JoinOptions {
  /** The server's WebSocket endpoint: `ws://host:20826/ws` or `wss://...`. */
  url: string;
}

/** The parts of the browser's WebSocket used here (declared so Node's types build this file). */
interface BrowserWebSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(
    type: 'close',
    listener: (event: { code: number; reason: string }) => void,
  ): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

type WebSocketClass = new (url: string) => BrowserWebSocket;

const OPEN = 1;

/**
 * Connects over WebSocket and joins with a nickname. Rejects with a {@link NatterError}: a
 * refusal's code (`01` taken, `02` full, `909` invalid...) or `ECONNREFUSED` when no server
 * answers at `url`.
 */
export async function connect(options: BrowserConnectOptions): Promise<ChatClient> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const open = () => openWebSocket(options.url, timeoutMs);
  const stream = await open();
  // Opening and joining share one deadline.
  const left = Math.max(1, deadline - Date.now());
  return joinOver(stream, options, { reopen: open, withinMs: left });
}

/** A WebSocket to `url`, open, as the stream a {@link ChatClient} reads and writes. */
async function openWebSocket(url: string, timeoutMs: number): Promise<ClientStream> {
  const Socket = (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
  if (!Socket) throw new NatterError('ENOTSUP', 'this environment has no WebSocket');
  const ws = new Socket(url);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.close();
      reject(new NatterError('ETIMEDOUT', `timed out connecting to ${url}`));
    }, timeoutMs);
    ws.addEventListener('open', () => {
      clearTimeout(timer);
      resolve();
    });
    // A browser tells a script nothing about why a WebSocket failed (it may not learn whether
    // the server is there at all), so neither can this.
    ws.addEventListener('close', () => {
      clearTimeout(timer);
      reject(new NatterError('ECONNREFUSED', `cannot connect to ${url}`));
    });
  });
  return new WebSocketStream(ws);
}

/** A browser WebSocket as the stream a {@link ChatClient} reads and writes: a frame a message. */
class WebSocketStream implements ClientStream {
  private readonly listeners = {
    data: [] as ((chunk: Uint8Array) => void)[],
    error: [] as ((err: Error & { code?: string }) => void)[],
    close: [] as (() => void)[],
  };
  private readonly encoder = new TextEncoder();
  private closed = false;

  constructor(private readonly ws: BrowserWebSocket) {
    ws.addEventListener('message', ({ data }) => {
      if (typeof data !== 'string') return;
      const chunk = this.encoder.encode(data);
      for (const listener of this.listeners.data) listener(chunk);
    });
    ws.addEventListener('close', ({ code, reason }) => {
      // 1000 and 1001 are a closing handshake; anything else is a connection that was lost.
      const lost = code !== 1000 && code !== 1001 && code !== 1005;
      this.finish(lost ? reason || 'the connection was lost' : undefined);
    });
  }

  /** Tells the client the connection is over, once: with why, when it was lost. */
  private finish(lost: string | undefined): void {
    if (this.closed) return;
    this.closed = true;
    if (lost !== undefined) {
      const err = Object.assign(new Error(lost), { code: 'ECONNRESET' });
      for (const listener of this.listeners.error) listener(err);
    }
    for (const listener of this.listeners.close) listener();
  }

  write(frame: string, done?: (err?: Error | null) => void): boolean {
    if (this.ws.readyState !== OPEN) {
      queueMicrotask(() => done?.(new Error('the connection is closed')));
      return false;
    }
    this.ws.send(frame);
    if (done) queueMicrotask(() => done(null));
    return true;
  }

  end(): void {
    this.ws.close(1000);
  }

  /**
   * Closes at once. A browser waits for the server's closing handshake (up to a minute, in
   * Chromium) before it reports the close; a server that is gone never sends one, so the client
   * is told now.
   */
  destroy(): void {
    this.ws.close();
    queueMicrotask(() => this.finish(undefined));
  }

  on(event: 'data', listener: (chunk: Uint8Array) => void): this;
  on(event: 'error', listener: (err: Error & { code?: string }) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: 'data' | 'error' | 'close', listener: (arg: never) => void): this {
    (this.listeners[event] as unknown[]).push(listener);
    return this;
  }
}
