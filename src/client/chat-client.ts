import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { Capability, Cmd } from '../protocol/codes.js';
import { FrameDecoder } from '../protocol/decoder.js';
import { encode } from '../protocol/encode.js';
import { isErrorCode } from '../protocol/errors.js';
import { DEFAULT_LIMITS } from '../protocol/limits.js';
import type { RoomInfo, RequestId } from '../protocol/messages.js';
import { NatterError } from './errors.js';
import { EventQueue } from './event-queue.js';

/** Options for {@link connect}. */
export interface ConnectOptions {
  /** Server host; default `localhost`. */
  host?: string;
  /** Server port; default 20825. */
  port?: number;
  nickname: string;
  /** A room to join instead of the server's default room. */
  room?: string;
  /** An already-open stream to the server, instead of `host` and `port`. */
  stream?: Duplex;
  /** How long to wait for the server to accept, in milliseconds; default 10000. */
  timeoutMs?: number;
  /**
   * Heartbeat, in milliseconds (default 15000; 0 for none). The client promises the server to
   * send something at least this often, and sends an RTT when it has nothing else to say. A
   * server that dies without closing the connection is noticed when a heartbeat goes
   * unanswered for as long; the client then closes with code `ETIMEDOUT`.
   */
  heartbeatMs?: number;
}

/** The heartbeat the client promises unless told otherwise. */
const DEFAULT_HEARTBEAT_MS = 15_000;

/**
 * The seed server reads one request per read, and two requests that arrive together disconnect
 * the client (its defect D02). Against it, requests go one at a time, this far apart.
 */
const SEED_PACING_MS = 10;

/** A member as USERS reports it. */
export interface User {
  nickname: string;
  ip: string;
  port: number;
}

/** Something that happened in the chat, as the client receives it. */
export type ChatEvent =
  | { type: 'chat'; from: string; msg: string }
  | { type: 'whisper'; from: string; msg: string }
  | { type: 'join'; nickname: string; userCount: number }
  | { type: 'leave'; nickname: string; userCount: number }
  | { type: 'rename'; nickname: string; newNickname: string }
  | { type: 'serverError'; error: NatterError };

/** The codes a request can be answered with. Errors (9xx) are always possible. */
const ANSWERS: Readonly<Record<string, readonly string[]>> = {
  [Cmd.CONNECT]: [Cmd.CONNECT_SUCCESS, Cmd.CONNECT_DUPLICATE_NICKNAME, Cmd.CONNECT_CHATROOM_FULL],
  [Cmd.USERS]: [Cmd.USERS_RESPONSE],
  [Cmd.WHISPER]: [Cmd.WHISPER_SUCCESS, Cmd.WHISPER_NO_SUCH_USER, Cmd.WHISPER_MYSELF],
  [Cmd.VERSION]: [Cmd.VERSION_RESPONSE],
  [Cmd.RENAME]: [Cmd.RENAME_SUCCESS, Cmd.RENAME_DUPLICATE_NICKNAME],
  [Cmd.RTT]: [Cmd.RTT_RESPONSE],
  [Cmd.CHAT]: [Cmd.CHAT_ACCEPTED],
  [Cmd.ROOMS]: [Cmd.ROOMS_RESPONSE],
  [Cmd.JOIN]: [Cmd.JOIN_SUCCESS, Cmd.JOIN_ROOM_FULL, Cmd.JOIN_ALREADY_IN_ROOM],
  [Cmd.LEAVE]: [Cmd.LEAVE_SUCCESS, Cmd.LEAVE_DEFAULT_ROOM_FULL, Cmd.LEAVE_IN_DEFAULT_ROOM],
};

/** The answers that mean success; any other answer rejects with a {@link NatterError}. */
const SUCCESS: ReadonlySet<string> = new Set([
  Cmd.CONNECT_SUCCESS,
  Cmd.USERS_RESPONSE,
  Cmd.WHISPER_SUCCESS,
  Cmd.VERSION_RESPONSE,
  Cmd.RENAME_SUCCESS,
  Cmd.RTT_RESPONSE,
  Cmd.CHAT_ACCEPTED,
  Cmd.ROOMS_RESPONSE,
  Cmd.JOIN_SUCCESS,
  Cmd.LEAVE_SUCCESS,
]);

type Message = Record<string, unknown> & { cmd: string };

interface Pending {
  readonly cmd: string;
  readonly id: number | undefined;
  resolve(message: Message): void;
  reject(error: Error): void;
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
  const stream = options.stream ?? (await openSocket(options));
  const client = new ChatClient(stream);
  const timeoutMs = options.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const silence = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new NatterError('ETIMEDOUT', `the server did not answer CONNECT within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([
      client.join(options.nickname, options.room, options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS),
      silence,
    ]);
  } catch (err) {
    client.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return client;
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

function describeNetworkError(err: NodeJS.ErrnoException, options: ConnectOptions): string {
  const where = `${options.host ?? 'localhost'}:${options.port ?? 20825}`;
  if (err.code === 'ECONNREFUSED') return `connection refused by ${where}: is the server running?`;
  if (err.code === 'ENOTFOUND') return `unknown host ${options.host}`;
  return `cannot connect to ${where}: ${err.message}`;
}

/**
 * A connected chat client. Every command method resolves with the server's answer or rejects
 * with a {@link NatterError} carrying the answer's code. Incoming chats, whispers and presence
 * changes arrive as events (`chat`, `whisper`, `join`, `leave`, `rename`, and `event` for all)
 * and through the async iterator.
 */
export class ChatClient extends EventEmitter implements AsyncIterable<ChatEvent> {
  /** The nickname this client holds now. */
  nickname = '';
  /** The room this client is in (known only from a Natter server). */
  room: string | undefined;
  /** `serverAddress` from CONNECT_SUCCESS. */
  serverAddress: [string, number] | undefined;
  /** Server software, when the server is Natter (e.g. `natter/0.1.0`). */
  server: string | undefined;
  /**
   * True when the server speaks Natter's extensions: requests carry ids and chats are
   * acknowledged. Against a seed server this is false and answers are matched in order.
   */
  extended = false;

  private readonly decoder: FrameDecoder;
  private readonly pending: Pending[] = [];
  private readonly iterators = new Set<EventQueue<ChatEvent>>();
  private nextId = 1;
  private fatal: NatterError | undefined;
  private closedError: NatterError | undefined;
  private readonly closedPromise: Promise<NatterError | undefined>;
  private isClosed = false;
  private exiting = false;
  /** performance.now() of the last write, for the heartbeat. */
  private lastSent = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Since when a heartbeat RTT has been unanswered; 0 when none is. */
  private heartbeatSentAt = 0;
  /** Against a seed server: the request before this one, which this one waits for. */
  private paced: Promise<unknown> = Promise.resolve();

  constructor(private readonly stream: Duplex) {
    super();
    this.decoder = new FrameDecoder(
      { maxFrameBytes: 16 * DEFAULT_LIMITS.maxFrameBytes, maxDepth: 64 },
      {
        frame: (value) => this.onMessage(value as Message),
        error: (name, detail) =>
          this.onEvent({
            type: 'serverError',
            error: new NatterError(name, `bad frame from the server: ${detail}`),
          }),
      },
    );
    stream.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    let resolveClosed: (e: NatterError | undefined) => void = () => {};
    this.closedPromise = new Promise((resolve) => (resolveClosed = resolve));
    stream.on('error', (err: NodeJS.ErrnoException) => {
      this.closedError ??= new NatterError(err.code ?? 'ECONNRESET', err.message);
    });
    stream.on('close', () => {
      this.isClosed = true;
      clearInterval(this.heartbeat);
      const reason =
        this.fatal ??
        this.closedError ??
        (this.exiting ? undefined : new NatterError('CLOSED', 'the server closed the connection'));
      const error = reason ?? new NatterError('CLOSED', 'the connection was closed');
      for (const p of this.pending.splice(0)) p.reject(error);
      for (const it of this.iterators) it.end();
      this.emit('close', reason);
      resolveClosed(reason);
    });
  }

  /** @internal CONNECT; use {@link connect}. */
  async join(nickname: string, room?: string, heartbeatMs = 0): Promise<void> {
    const request: Record<string, unknown> = {
      cmd: Cmd.CONNECT,
      nickname,
      caps: [Capability.WHISPER],
    };
    if (room !== undefined) request.room = room;
    if (heartbeatMs > 0) request.heartbeatMs = heartbeatMs;
    // The first request always carries an id: a Natter server echoes it, a seed server ignores it.
    const answer = await this.request(request, true);
    this.nickname = nickname;
    this.serverAddress = answer.serverAddress as [string, number];
    this.extended = Array.isArray(answer.caps);
    this.room = typeof answer.room === 'string' ? answer.room : undefined;
    this.server = typeof answer.server === 'string' ? answer.server : undefined;
    // A seed server has no heartbeat rule, and an extra request could share a read with the
    // next one, which the seed cannot parse: heartbeats are for Natter servers only.
    if (heartbeatMs > 0 && this.extended) this.startHeartbeat(heartbeatMs);
  }

  private startHeartbeat(heartbeatMs: number): void {
    this.heartbeat = setInterval(() => {
      const now = performance.now();
      if (this.heartbeatSentAt > 0) {
        if (now - this.heartbeatSentAt > heartbeatMs) {
          this.closedError ??= new NatterError('ETIMEDOUT', 'the server stopped answering');
          this.stream.destroy();
        }
        return;
      }
      if (now - this.lastSent < heartbeatMs) return;
      this.heartbeatSentAt = now;
      // Any answer, an error such as RATE_LIMITED included, shows the server is alive.
      const answered = () => (this.heartbeatSentAt = 0);
      this.rtt().then(answered, (err: NatterError) => {
        if (!this.isClosed && err.code !== 'CLOSED') answered();
      });
    }, heartbeatMs / 2);
    this.heartbeat.unref();
  }

  /** USERS: the members of this client's room, in join order. */
  async users(): Promise<User[]> {
    const answer = await this.request({ cmd: Cmd.USERS });
    return (answer.users as [string, string, number][]).map(([nickname, ip, port]) => ({
      nickname,
      ip,
      port,
    }));
  }

  /** WHISPER: rejects with code `20` (no such user) or `21` (yourself). */
  async whisper(to: string, msg: string): Promise<void> {
    await this.request({ cmd: Cmd.WHISPER, to, msg });
  }

  /**
   * CHAT to this client's room. Against Natter it resolves once the server has accepted the
   * message; against a seed server (which never answers a chat) once it is written.
   */
  async chat(msg: string): Promise<void> {
    if (this.extended) await this.request({ cmd: Cmd.CHAT, msg });
    else await this.write({ cmd: Cmd.CHAT, msg });
  }

  /** VERSION: the protocol version (`serverVersion`) and, from Natter, the software name. */
  async version(): Promise<{ serverVersion: string; server?: string }> {
    const answer = await this.request({ cmd: Cmd.VERSION });
    const result: { serverVersion: string; server?: string } = {
      serverVersion: String(answer.serverVersion),
    };
    if (typeof answer.server === 'string') result.server = answer.server;
    return result;
  }

  /** RENAME: rejects with code `50` when the nickname is taken. */
  async rename(newNickname: string): Promise<void> {
    await this.request({ cmd: Cmd.RENAME, newNickname });
    this.nickname = newNickname;
  }

  /** RTT: the round trip to the server and back, in milliseconds. */
  async rtt(): Promise<number> {
    const beginTime = performance.timeOrigin + performance.now();
    const answer = await this.request({ cmd: Cmd.RTT, beginTime });
    return performance.timeOrigin + performance.now() - Number(answer.beginTime);
  }

  /** ROOMS: every room with members, the default room first. */
  async rooms(): Promise<RoomInfo[]> {
    const answer = await this.request({ cmd: Cmd.ROOMS });
    return answer.rooms as RoomInfo[];
  }

  /** JOIN a room (created if needed): rejects with `121` (full) or `122` (already there). */
  async joinRoom(room: string): Promise<{ room: string; userCount: number }> {
    const answer = await this.request({ cmd: Cmd.JOIN, room });
    this.room = answer.room as string;
    return { room: this.room, userCount: answer.userCount as number };
  }

  /** LEAVE to the default room: rejects with `131` (it is full) or `132` (already there). */
  async leaveRoom(): Promise<{ room: string; userCount: number }> {
    const answer = await this.request({ cmd: Cmd.LEAVE });
    this.room = answer.room as string;
    return { room: this.room, userCount: answer.userCount as number };
  }

  /** EXIT: leaves the chat; resolves when the server has closed the connection. */
  async exit(): Promise<void> {
    if (this.isClosed) return;
    this.exiting = true;
    await this.write({ cmd: Cmd.EXIT });
    this.stream.end();
    await this.closedPromise;
  }

  /** Resolves when the connection is closed: with the reason, or undefined after EXIT. */
  closed(): Promise<NatterError | undefined> {
    return this.closedPromise;
  }

  /** Closes the connection at once, without EXIT. */
  destroy(): void {
    this.stream.destroy();
  }

  /** Every event from now on, until the connection closes. */
  events(): AsyncIterableIterator<ChatEvent> {
    const queue = new EventQueue<ChatEvent>(() => this.iterators.delete(queue));
    if (this.isClosed) queue.end();
    else this.iterators.add(queue);
    return queue;
  }

  [Symbol.asyncIterator](): AsyncIterator<ChatEvent> {
    return this.events();
  }

  private request(body: Record<string, unknown>, forceId = false): Promise<Message> {
    return this.inTurn(() => {
      if (this.isClosed) {
        return Promise.reject(this.fatal ?? new NatterError('CLOSED', 'the connection is closed'));
      }
      const id = this.extended || forceId ? this.nextId++ : undefined;
      if (id !== undefined) body.id = id;
      return new Promise<Message>((resolve, reject) => {
        this.pending.push({ cmd: body.cmd as string, id, resolve, reject });
        this.lastSent = performance.now();
        this.stream.write(encode(body));
      });
    });
  }

  private write(body: Record<string, unknown>): Promise<void> {
    return this.inTurn(() => {
      if (this.isClosed) {
        return Promise.reject(this.fatal ?? new NatterError('CLOSED', 'the connection is closed'));
      }
      this.lastSent = performance.now();
      return new Promise<void>((resolve, reject) =>
        this.stream.write(encode(body), (err) => (err ? reject(err) : resolve())),
      );
    });
  }

  /**
   * Runs a request at once against Natter. Against a seed server (no `caps` in its `03`), runs
   * it after the previous request has been answered (or written, if it has no answer) and
   * SEED_PACING_MS later, so the seed reads each request on its own.
   */
  private inTurn<T>(send: () => Promise<T>): Promise<T> {
    if (this.extended || this.nickname === '') return send();
    const turn = this.paced.then(async () => {
      const wait = this.lastSent + SEED_PACING_MS - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      return send();
    });
    this.paced = turn.catch(() => undefined);
    return turn;
  }

  private onMessage(message: Message): void {
    const { cmd } = message;
    if (typeof cmd !== 'string') return;
    if (isErrorCode(cmd)) return this.onError(message);
    switch (cmd) {
      case Cmd.CHAT_RESPONSE:
        return this.onEvent({ type: 'chat', from: String(message.from), msg: String(message.msg) });
      case Cmd.WHISPER_MESSAGE:
        return this.onEvent({
          type: 'whisper',
          from: String(message.from),
          msg: String(message.msg),
        });
      case Cmd.NEW_USER_ENTERS:
        return this.onEvent({
          type: 'join',
          nickname: String(message.nickname),
          userCount: Number(message.userCount),
        });
      case Cmd.EXIT_BROADCAST:
        return this.onEvent({
          type: 'leave',
          nickname: String(message.nickname),
          userCount: Number(message.userCount),
        });
      case Cmd.RENAME_BROADCAST:
        return this.onEvent({
          type: 'rename',
          nickname: String(message.nickname),
          newNickname: String(message.newNickname),
        });
    }
    const pending = this.take(message);
    if (!pending) return; // an answer nobody waits for (newer server); ignore, as the seed does
    if (SUCCESS.has(cmd)) pending.resolve(message);
    else pending.reject(NatterError.fromAnswer(message));
  }

  private onError(message: Message): void {
    const error = NatterError.fromAnswer(message);
    if (message.fatal === true) this.fatal = error;
    const pending = message.id !== undefined ? this.take(message) : undefined;
    if (pending) pending.reject(error);
    else this.onEvent({ type: 'serverError', error });
  }

  /** Finds the request an answer belongs to: by id, or else the oldest that expects its code. */
  private take(message: Message): Pending | undefined {
    const id = message.id as RequestId | undefined;
    let index: number;
    if (id !== undefined) index = this.pending.findIndex((p) => p.id === id);
    else index = this.pending.findIndex((p) => ANSWERS[p.cmd]?.includes(message.cmd) ?? false);
    if (index < 0) return undefined;
    return this.pending.splice(index, 1)[0];
  }

  private onEvent(event: ChatEvent): void {
    this.emit(event.type, event);
    this.emit('event', event);
    for (const it of this.iterators) it.push(event);
  }
}
