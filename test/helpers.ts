/**
 * Test verbs shared by every test file: start a real server on port 0, connect raw clients,
 * read what the server sends. Every wait is bounded, so a missing message fails the test
 * instead of hanging it; no test asserts how long anything took.
 */
import net from 'node:net';
import type { TestContext } from 'node:test';
import { createServer, type ChatServer, type ChatServerOptions } from '../src/chat-server.js';
import { FrameDecoder } from '../src/protocol/decoder.js';

/** How long a test waits for an expected message before failing. */
export const WAIT_MS = 5000;

export type Msg = Record<string, unknown> & { cmd: string };

/** Starts a server on 127.0.0.1 and a free port; it is closed when the test ends. */
export async function startServer(
  t: TestContext,
  options: ChatServerOptions = {},
): Promise<ChatServer> {
  const logs: string[] = [];
  const server = await createServer({
    host: '127.0.0.1',
    port: 0,
    // The HTTP listener only where a test asks for it.
    http: false,
    logLevel: 'info',
    logSink: (_level, line) => logs.push(line),
    ...options,
  });
  serverLogs.set(server, logs);
  t.after(() => server.close());
  return server;
}

const serverLogs = new WeakMap<ChatServer, string[]>();

/** The lines a server started by {@link startServer} has logged (unless a logSink was given). */
export function logsOf(server: ChatServer): string[] {
  return serverLogs.get(server) ?? [];
}

/**
 * A client that speaks raw bytes and reads whole server messages. It decodes with the same
 * decoder as the server, so it also reads the seed server's undelimited output.
 */
export class RawClient {
  readonly messages: Msg[] = [];
  /** Everything received, as text, for tests that check the exact bytes. */
  raw = '';
  closed = false;
  private waiters: (() => void)[] = [];
  private readonly decoder = new FrameDecoder(
    { maxFrameBytes: 1 << 24, maxDepth: 64 },
    {
      frame: (value) => {
        this.messages.push(value as Msg);
        this.wake();
      },
      error: (name, detail) => {
        throw new Error(`server sent an undecodable frame: ${name} ${detail}`);
      },
    },
  );

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.raw += chunk.toString('utf8');
      this.decoder.push(chunk);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  /** Opens a TCP connection to a server or a port. */
  static async open(t: TestContext, target: ChatServer | number): Promise<RawClient> {
    const port = typeof target === 'number' ? target : target.port;
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawClient(socket);
    t.after(() => socket.destroy());
    return client;
  }

  /** Writes a request: an object is sent as compact JSON plus `\n`, a string or bytes as is. */
  send(request: object | string | Uint8Array): void {
    if (typeof request === 'string' || request instanceof Uint8Array) this.socket.write(request);
    else this.socket.write(JSON.stringify(request) + '\n');
  }

  /** The next message, removed from the queue; fails after {@link WAIT_MS}. */
  async next(what = 'a message'): Promise<Msg> {
    await this.until(() => this.messages.length > 0 || this.closed, what);
    const message = this.messages.shift();
    if (!message) throw new Error(`connection closed while waiting for ${what}`);
    return message;
  }

  /** The next message, which must have code `cmd`. */
  async expect(cmd: string): Promise<Msg> {
    const message = await this.next(`cmd ${cmd}`);
    if (message.cmd !== cmd) {
      throw new Error(`expected cmd ${cmd}, got ${JSON.stringify(message)}`);
    }
    return message;
  }

  /** Resolves when the server has closed the connection (and no message is left unread). */
  async waitClosed(): Promise<void> {
    await this.until(() => this.closed, 'the connection to close');
  }

  /**
   * Proves nothing else is queued for this client: sends VERSION and requires its answer to be
   * the very next message. Answers are ordered, so anything sent earlier would come first.
   */
  async expectQuiet(): Promise<void> {
    this.send({ cmd: '4' });
    const message = await this.next('the VERSION answer');
    if (message.cmd !== '40') {
      throw new Error(`expected nothing before the VERSION answer, got ${JSON.stringify(message)}`);
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async until(ready: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!ready()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** Connects and joins; returns the client once it has its `03` (and the `03` itself). */
export async function join(
  t: TestContext,
  target: ChatServer | number,
  nickname: string,
  extra: Record<string, unknown> = {},
): Promise<RawClient> {
  const client = await RawClient.open(t, target);
  client.send({ cmd: '0', nickname, ...extra });
  await client.expect('03');
  return client;
}

/** Joins several clients in order; each earlier one has received the later ones' `8`. */
export async function joinAll(
  t: TestContext,
  target: ChatServer | number,
  nicknames: string[],
): Promise<RawClient[]> {
  const clients: RawClient[] = [];
  for (const nickname of nicknames) {
    const client = await join(t, target, nickname);
    for (const earlier of clients) await earlier.expect('8');
    clients.push(client);
  }
  return clients;
}

/** Resolves when `predicate` holds, checking as events arrive; fails after {@link WAIT_MS}. */
export async function eventually(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
