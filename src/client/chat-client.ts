import { EventEmitter } from 'node:events';
import { Capability, Cmd } from '../protocol/codes.js';
import { FrameDecoder } from '../protocol/decoder.js';
import { DEFAULT_LIMITS } from '../protocol/limits.js';
import type { ErrorMessage, RoomInfo } from '../protocol/messages.js';
import type { ConnectRequest } from '../protocol/requests.js';
import { NatterError } from './errors.js';
import { EventQueue } from './event-queue.js';
import {
  isErrorMessage,
  isEventMessage,
  isServerMessage,
  toEvent,
  type ChatEvent,
  type Received,
} from './events.js';
import { DEFAULT_MESSAGE_LIMITS, messageProblem, type MessageLimits } from './limits.js';
import { RequestTracker } from './request-tracker.js';
import type { ClientStream } from './stream.js';

/** A member as USERS reports it. */
export interface User {
  nickname: string;
  ip: string;
  port: number;
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
  /**
   * What the server accepts: a Natter server says in its `03`; otherwise the defaults. CHAT and
   * WHISPER refuse a message over them (code `TOO_LONG`) instead of sending it.
   */
  limits: MessageLimits = DEFAULT_MESSAGE_LIMITS;

  private readonly decoder: FrameDecoder;
  private readonly requests: RequestTracker;
  private readonly iterators = new Set<EventQueue<ChatEvent>>();
  private fatal: NatterError | undefined;
  private closedError: NatterError | undefined;
  private readonly closedPromise: Promise<NatterError | undefined>;
  private ended = false;
  private exiting = false;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Since when a heartbeat RTT has been unanswered; 0 when none is. */
  private heartbeatSentAt = 0;

  constructor(private readonly stream: ClientStream) {
    super();
    this.requests = new RequestTracker({
      write: (frame, done) => stream.write(frame, done),
      refusal: () =>
        this.ended
          ? (this.fatal ?? new NatterError('CLOSED', 'the connection is closed'))
          : undefined,
      ids: () => this.extended,
      // Until CONNECT succeeds there is one request at a time anyway, and whether the server is
      // the seed is not known yet; after it, only the seed needs its requests one per read.
      paced: () => !this.extended && this.nickname !== '',
    });
    this.decoder = new FrameDecoder(
      { maxFrameBytes: 16 * DEFAULT_LIMITS.maxFrameBytes, maxDepth: 64 },
      {
        frame: (value) => this.onFrame(value),
        error: (name, detail) =>
          this.onEvent({
            type: 'serverError',
            error: new NatterError(name, `bad frame from the server: ${detail}`),
          }),
      },
    );
    stream.on('data', (chunk) => this.decoder.push(chunk));
    let resolveClosed: (e: NatterError | undefined) => void = () => {};
    this.closedPromise = new Promise((resolve) => (resolveClosed = resolve));
    stream.on('error', (err) => {
      this.closedError ??= new NatterError(err.code ?? 'ECONNRESET', err.message);
    });
    stream.on('close', () => {
      this.ended = true;
      clearInterval(this.heartbeat);
      const reason =
        this.fatal ??
        this.closedError ??
        (this.exiting ? undefined : new NatterError('CLOSED', 'the server closed the connection'));
      this.requests.rejectAll(reason ?? new NatterError('CLOSED', 'the connection was closed'));
      for (const it of this.iterators) it.end();
      this.emit('close', reason);
      resolveClosed(reason);
    });
  }

  /** @internal CONNECT; use `connect()`, which opens the stream and waits a bounded time. */
  async join(nickname: string, room?: string, heartbeatMs = 0): Promise<void> {
    const request: ConnectRequest = { cmd: Cmd.CONNECT, nickname, caps: [Capability.WHISPER] };
    if (room !== undefined) request.room = room;
    if (heartbeatMs > 0) request.heartbeatMs = heartbeatMs;
    // The first request always carries an id: a Natter server echoes it, a seed server ignores it.
    const answer = await this.requests.request(request, true);
    this.nickname = nickname;
    this.serverAddress = answer.serverAddress;
    this.extended = Array.isArray(answer.caps);
    // Checked, not trusted: only an extended server sends these, and then as strings.
    this.room = typeof answer.room === 'string' ? answer.room : undefined;
    this.server = typeof answer.server === 'string' ? answer.server : undefined;
    const { maxFrameBytes, maxMessageLength } = answer.limits ?? {};
    if (Number.isSafeInteger(maxFrameBytes) && Number.isSafeInteger(maxMessageLength)) {
      this.limits = { maxFrameBytes: maxFrameBytes!, maxMessageLength: maxMessageLength! };
    }
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
      if (now - this.requests.lastSent < heartbeatMs) return;
      this.heartbeatSentAt = now;
      // Any answer, an error such as RATE_LIMITED included, shows the server is alive.
      const answered = () => (this.heartbeatSentAt = 0);
      this.rtt().then(answered, (err: NatterError) => {
        if (!this.ended && err.code !== 'CLOSED') answered();
      });
    }, heartbeatMs / 2);
    // In Node, the heartbeat alone does not keep the process running (a browser has no unref).
    if (typeof this.heartbeat === 'object') this.heartbeat.unref();
  }

  /** USERS: the members of this client's room, in join order. */
  async users(): Promise<User[]> {
    const answer = await this.requests.request({ cmd: Cmd.USERS });
    return answer.users.map(([nickname, ip, port]) => ({ nickname, ip, port }));
  }

  /** WHISPER: rejects with code `20` (no such user), `21` (yourself) or `TOO_LONG`. */
  async whisper(to: string, msg: string): Promise<void> {
    this.checkSize(msg);
    await this.requests.request({ cmd: Cmd.WHISPER, to, msg });
  }

  /**
   * CHAT to this client's room. Against Natter it resolves once the server has accepted the
   * message; against a seed server (which never answers a chat) once it is written.
   */
  async chat(msg: string): Promise<void> {
    this.checkSize(msg);
    if (this.extended) await this.requests.request({ cmd: Cmd.CHAT, msg });
    else await this.requests.send({ cmd: Cmd.CHAT, msg });
  }

  /** VERSION: the protocol version (`serverVersion`) and, from Natter, the software name. */
  async version(): Promise<{ serverVersion: string; server?: string }> {
    const answer = await this.requests.request({ cmd: Cmd.VERSION });
    // Converted and checked: the result must have the types it promises, whatever arrived.
    const result: { serverVersion: string; server?: string } = {
      serverVersion: String(answer.serverVersion),
    };
    if (typeof answer.server === 'string') result.server = answer.server;
    return result;
  }

  /** RENAME: rejects with code `50` when the nickname is taken. */
  async rename(newNickname: string): Promise<void> {
    await this.requests.request({ cmd: Cmd.RENAME, newNickname });
    this.nickname = newNickname;
  }

  /** RTT: the round trip to the server and back, in milliseconds. */
  async rtt(): Promise<number> {
    const beginTime = performance.timeOrigin + performance.now();
    const answer = await this.requests.request({ cmd: Cmd.RTT, beginTime });
    return performance.timeOrigin + performance.now() - Number(answer.beginTime);
  }

  /**
   * ROOMS: every room with members, the default room first. A server with many rooms answers in
   * pages (rule 7.2): this asks for up to `maxPages` of them.
   */
  async rooms(maxPages = 100): Promise<RoomInfo[]> {
    let answer = await this.requests.request({ cmd: Cmd.ROOMS });
    const list = [...answer.rooms];
    for (let page = 1; answer.next !== undefined && page < maxPages; page++) {
      answer = await this.requests.request({ cmd: Cmd.ROOMS, after: answer.next });
      list.push(...answer.rooms);
    }
    return list;
  }

  /** JOIN a room (created if needed): rejects with `121` (full) or `122` (already there). */
  async joinRoom(room: string): Promise<{ room: string; userCount: number }> {
    const answer = await this.requests.request({ cmd: Cmd.JOIN, room });
    this.room = answer.room;
    return { room: this.room, userCount: answer.userCount };
  }

  /** LEAVE to the default room: rejects with `131` (it is full) or `132` (already there). */
  async leaveRoom(): Promise<{ room: string; userCount: number }> {
    const answer = await this.requests.request({ cmd: Cmd.LEAVE });
    this.room = answer.room;
    return { room: this.room, userCount: answer.userCount };
  }

  /** EXIT: leaves the chat; resolves when the server has closed the connection. */
  async exit(): Promise<void> {
    if (this.ended) return;
    this.exiting = true;
    await this.requests.send({ cmd: Cmd.EXIT });
    this.stream.end();
    await this.closedPromise;
  }

  /** True once the connection has closed. */
  get isClosed(): boolean {
    return this.ended;
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
    if (this.ended) queue.end();
    else this.iterators.add(queue);
    return queue;
  }

  [Symbol.asyncIterator](): AsyncIterator<ChatEvent> {
    return this.events();
  }

  /** Throws `TOO_LONG` for a message the server would refuse (or disconnect for). */
  private checkSize(msg: string): void {
    const problem = messageProblem(msg, this.limits);
    if (problem) throw new NatterError('TOO_LONG', `${problem} (splitMessage cuts it into parts)`);
  }

  /** Routes each message from the server: an error, an event, or an answer to a request. */
  private onFrame(frame: Record<string, unknown>): void {
    if (!isServerMessage(frame)) return;
    if (isErrorMessage(frame)) return this.onError(frame);
    if (isEventMessage(frame)) return this.onEvent(toEvent(frame));
    this.requests.settle(frame);
  }

  private onError(message: Received<ErrorMessage>): void {
    const error = NatterError.fromAnswer(message);
    if (message.fatal === true) this.fatal = error;
    if (!this.requests.fail(message, error)) this.onEvent({ type: 'serverError', error });
  }

  private onEvent(event: ChatEvent): void {
    this.emit(event.type, event);
    this.emit('event', event);
    for (const it of this.iterators) it.push(event);
  }
}
