import { Capability, Cmd } from '../protocol/codes.js';
import { FrameDecoder } from '../protocol/decoder.js';
import { DEFAULT_LIMITS } from '../protocol/limits.js';
import type { ErrorMessage, Reply } from '../protocol/messages.js';
import type { ConnectRequest } from '../protocol/requests.js';
import { NatterError } from './errors.js';
import {
  isErrorMessage,
  isEventMessage,
  isServerMessage,
  toEvent,
  type ChatEvent,
  type Received,
} from './events.js';
import type { MessageLimits } from './limits.js';
import type { ChatReceipt } from './outbox.js';
import { RequestTracker } from './request-tracker.js';
import type { ClientStream } from './stream.js';

/** What the server said when it took the client in (CONNECT_SUCCESS), checked. */
export interface Welcome {
  serverAddress: [string, number];
  /** The room joined, from a Natter server. */
  room: string | undefined;
  server: string | undefined;
  /** The server speaks Natter's extensions: requests carry ids, chats are acknowledged. */
  extended: boolean;
  /** The capabilities granted (none from the seed). */
  caps: string[];
  limits: MessageLimits | undefined;
}

/** What a connection tells its client. */
export interface ConnectionEvents {
  /** Something happened in the chat (an announcement, a whisper, an error about no request). */
  event(event: ChatEvent): void;
  /** An answer, before the request it answers is settled (room moves are followed with it). */
  answer(answer: Received<Reply>): void;
  /** The connection closed: why, or undefined after EXIT. */
  closed(reason: NatterError | undefined): void;
}

/**
 * One connection to the server: reads its stream, matches answers to requests, keeps the
 * heartbeat. A client has one at a time; a reconnecting client opens another when it is lost.
 */
export class Connection {
  readonly requests: RequestTracker;
  extended = false;
  /** The server granted `history`: chats carry `seq` and `ts`, HISTORY is answered. */
  history = false;
  ended = false;
  private joined = false;
  private fatal: NatterError | undefined;
  private closedError: NatterError | undefined;
  private exiting = false;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Since when a heartbeat RTT has been unanswered; 0 when none is. */
  private heartbeatSentAt = 0;
  private readonly closedPromise: Promise<void>;

  constructor(
    private readonly stream: ClientStream,
    private readonly on: ConnectionEvents,
  ) {
    this.requests = new RequestTracker({
      write: (frame, done) => stream.write(frame, done),
      refusal: () =>
        this.ended
          ? (this.fatal ?? new NatterError('CLOSED', 'the connection is closed'))
          : undefined,
      ids: () => this.extended,
      // Until CONNECT succeeds there is one request at a time anyway, and whether the server is
      // the seed is not known yet; after it, only the seed needs its requests one per read.
      paced: () => !this.extended && this.joined,
    });
    const decoder = new FrameDecoder(
      { maxFrameBytes: 16 * DEFAULT_LIMITS.maxFrameBytes, maxDepth: 64 },
      {
        frame: (value) => this.onFrame(value),
        error: (name, detail) =>
          on.event({
            type: 'serverError',
            error: new NatterError(name, `bad frame from the server: ${detail}`),
          }),
      },
    );
    stream.on('data', (chunk) => decoder.push(chunk));
    stream.on('error', (err) => {
      this.closedError ??= new NatterError(err.code ?? 'ECONNRESET', err.message);
    });
    let resolveClosed = () => {};
    this.closedPromise = new Promise((resolve) => (resolveClosed = resolve));
    stream.on('close', () => {
      this.ended = true;
      clearInterval(this.heartbeat);
      const reason =
        this.fatal ??
        this.closedError ??
        (this.exiting ? undefined : new NatterError('CLOSED', 'the server closed the connection'));
      this.requests.rejectAll(reason ?? new NatterError('CLOSED', 'the connection was closed'));
      on.closed(reason);
      resolveClosed();
    });
  }

  /**
   * CONNECT, waiting at most `timeoutMs` for the server to accept; on a refusal or silence the
   * stream is closed and the promise rejects with a {@link NatterError}.
   */
  async join(
    nickname: string,
    room: string | undefined,
    heartbeatMs: number,
    timeoutMs: number,
  ): Promise<Welcome> {
    const request: ConnectRequest = {
      cmd: Cmd.CONNECT,
      nickname,
      caps: [Capability.WHISPER, Capability.HISTORY],
    };
    if (room !== undefined) request.room = room;
    if (heartbeatMs > 0) request.heartbeatMs = heartbeatMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const silence = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const text = `the server did not answer CONNECT within ${timeoutMs} ms`;
        reject(new NatterError('ETIMEDOUT', text));
      }, timeoutMs);
    });
    let answer;
    try {
      // The first request always carries an id: a Natter server echoes it, the seed ignores it.
      answer = await Promise.race([this.requests.request(request, true), silence]);
    } catch (err) {
      this.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    this.joined = true;
    this.extended = Array.isArray(answer.caps);
    // Checked, not trusted: only an extended server sends these, and then as strings.
    const caps = this.extended ? answer.caps!.filter((c) => typeof c === 'string') : [];
    this.history = caps.includes(Capability.HISTORY);
    const { maxFrameBytes, maxMessageLength } = answer.limits ?? {};
    const limited = Number.isSafeInteger(maxFrameBytes) && Number.isSafeInteger(maxMessageLength);
    // A seed server has no heartbeat rule, and an extra request could share a read with the
    // next one, which the seed cannot parse: heartbeats are for Natter servers only.
    if (heartbeatMs > 0 && this.extended) this.startHeartbeat(heartbeatMs);
    return {
      serverAddress: answer.serverAddress,
      room: typeof answer.room === 'string' ? answer.room : undefined,
      server: typeof answer.server === 'string' ? answer.server : undefined,
      extended: this.extended,
      caps,
      limits: limited ? { maxFrameBytes: maxFrameBytes!, maxMessageLength } : undefined,
    };
  }

  /**
   * CHAT: against Natter resolves once the server accepted it, with its number and time when
   * the server keeps history; against the seed (which never answers a chat) once written.
   */
  async chat(msg: string, cid: string | undefined): Promise<ChatReceipt | undefined> {
    if (!this.extended) return void (await this.requests.send({ cmd: Cmd.CHAT, msg }));
    const answer = await this.requests.request({
      cmd: Cmd.CHAT,
      msg,
      ...(cid !== undefined ? { cid } : {}),
    });
    const { seq, ts } = answer;
    return Number.isSafeInteger(seq) && Number.isFinite(ts) ? { seq: seq!, ts: ts! } : undefined;
  }

  /** RTT: the round trip to the server and back, in milliseconds. */
  async rtt(): Promise<number> {
    const beginTime = performance.timeOrigin + performance.now();
    const answer = await this.requests.request({ cmd: Cmd.RTT, beginTime });
    return performance.timeOrigin + performance.now() - Number(answer.beginTime);
  }

  /** EXIT: resolves when the server has closed the connection. */
  async exit(): Promise<void> {
    if (this.ended) return;
    this.exiting = true;
    await this.requests.send({ cmd: Cmd.EXIT }).catch(() => undefined);
    this.stream.end();
    await this.closedPromise;
  }

  /** Closes at once, without EXIT. */
  destroy(): void {
    this.stream.destroy();
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

  /** Routes each message from the server: an error, an event, or an answer to a request. */
  private onFrame(frame: Record<string, unknown>): void {
    if (!isServerMessage(frame)) return;
    if (isErrorMessage(frame)) return this.onError(frame);
    if (isEventMessage(frame)) return this.on.event(toEvent(frame));
    this.on.answer(frame as Received<Reply>);
    this.requests.settle(frame as Received<Reply>);
  }

  private onError(message: Received<ErrorMessage>): void {
    const error = NatterError.fromAnswer(message);
    if (message.fatal === true) this.fatal = error;
    if (!this.requests.fail(message, error)) this.on.event({ type: 'serverError', error });
  }
}
