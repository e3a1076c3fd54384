import { constants } from 'node:os';
import type { Duplex } from 'node:stream';
import { getSystemErrorName } from 'node:util';
import { FrameDecoder, type DecoderSink } from '../protocol/decoder.js';
import { encode } from '../protocol/encode.js';
import { ERRORS, type ErrorName } from '../protocol/errors.js';
import { isRequestId, type RequestId } from '../protocol/messages.js';
import type { ChatServer } from './chat-server.js';
import { dispatch } from './dispatcher.js';
import { BackendUnavailableError } from './backends/directory.js';
import { TokenBucket } from './limits.js';
import { ownsHandle, socketHandle, type SocketHandle } from './native.js';
import { Outbox } from './outbox.js';
import type { LocalRoom } from './rooms.js';

/** Where a connection comes from and what it reached, as plain values (any transport). */
export interface Endpoints {
  /** The client's address; IPv4-mapped IPv6 addresses are reported as plain IPv4. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The server address the client reached (sent as `serverAddress` in `03`). */
  readonly localAddress: string;
  readonly localPort: number;
}

/** Why a connection ends; it decides the log line and the last message sent. */
export type CloseReason =
  | { readonly kind: 'exit' }
  | { readonly kind: 'lost'; readonly detail?: string }
  | {
      readonly kind: 'error';
      readonly error: ErrorName;
      readonly detail?: string;
      /** The request that caused it, so the error can name it and echo its `id`. */
      readonly request?: { readonly cmd?: unknown; readonly id?: RequestId };
      /** The error cannot reach the client (its socket is full): do not send it. */
      readonly unsendable?: boolean;
    }
  | { readonly kind: 'refused' };

/** Where the client is in its session. */
export type Phase = 'new' | 'joining' | 'member';

/**
 * Input waiting for the connection to finish an earlier, asynchronous command: a request, or a
 * decode error whose answer must stay in order with the answers before it.
 */
type QueuedInput =
  | { readonly value: Record<string, unknown>; readonly text: string }
  | { readonly error: ErrorName; readonly detail: string; readonly extra?: ErrorExtra };

/** What an error answer says besides its code: the request it answers and details. */
interface ErrorExtra {
  readonly request?: { readonly cmd?: unknown; readonly id?: RequestId };
  readonly fields?: Record<string, unknown>;
}

/**
 * Queued bytes that are written at once instead of at the end of the turn: a burst must reach
 * the kernel's buffer rather than count against the client's queue limit.
 */
const FLUSH_BYTES = 32 * 1024;

/** In a cluster, how long a closing connection waits for its release before it ends. */
const RELEASE_WAIT_MS = 1000;

/** Parts up to this many bytes in all are joined before writing; larger ones are not copied. */
const COPY_BYTES = 16 * 1024;

/** A direct send that found the socket's buffer full (EWOULDBLOCK is the same on Linux). */
const EAGAIN = -constants.errno.EAGAIN;

/** Frames that may queue behind a slow command before reading from the peer pauses. */
const INBOX_HIGH_WATER = 256;

/**
 * One client connection: the read loop (decoder, then commands one at a time, in order) and the
 * single write path (a queue flushed once per event-loop turn). Handlers answer through
 * {@link Connection.reply} and {@link Connection.fail}, never through the stream.
 */
export class Connection implements DecoderSink {
  /** Unique across the cluster; names this connection in the directory and on the bus. */
  readonly id: string;
  readonly endpoints: Endpoints;

  phase: Phase = 'new';
  /** The nickname as the member spelled it (valid once a member). */
  nickname = '';
  /** The room's display name and key (valid once a member). */
  room = '';
  roomKey = '';
  /** The client sent `caps` in CONNECT: it gets Natter's extra response fields (rule 4.4). */
  extended = false;
  /** The client asked for whispers as `72`. */
  whisperCap = false;
  /** True from the moment the connection starts to close; nothing more is processed. */
  closing = false;
  /** The heartbeat the client promised in CONNECT, in milliseconds; 0 if none (rule 3.9). */
  heartbeatMs = 0;

  // Times on the server's monotonic clock (ChatServer.now), for the sweep's timeouts.
  /** When the connection was accepted. */
  readonly openedAt: number;
  /** When bytes last arrived from the client. */
  lastReceivedAt: number;
  /** Since when a write has been waiting for the socket to drain; 0 when it is not. */
  stalledSince = 0;

  /** Flood control (rule 5.7): undefined when it is off. */
  private readonly bucket: TokenBucket | undefined;
  /** Requests refused in a row by flood control. */
  private strikes = 0;

  private readonly decoder: FrameDecoder;
  private readonly inbox: QueuedInput[] = [];
  private busy = false;
  private inputEnded = false;
  private paused = false;

  /** What is queued for this client (the single write path). */
  readonly outbox = new Outbox();
  /** In the server's list for the end-of-turn flush. */
  private flushScheduled = false;
  /** The turn this connection was last flushed in, so a turn flushes it once. */
  private flushedTurn = -1;
  private ended = false;
  /** The socket handle for direct room writes (DirectFanout), when the server uses them... */
  private readonly handle: SocketHandle | undefined;
  /** ...and its descriptor, read once: reading `handle.fd` is a call into Node's C++ side. */
  private readonly fd: number;

  constructor(
    readonly server: ChatServer,
    private readonly stream: Duplex,
    id: string,
    endpoints: Endpoints,
  ) {
    this.id = id;
    this.endpoints = endpoints;
    const { config } = server;
    this.openedAt = this.lastReceivedAt = server.now();
    this.bucket =
      config.floodRate > 0 && !server.isExempt(endpoints.remoteAddress)
        ? new TokenBucket(config.floodBurst, config.floodRate, this.openedAt)
        : undefined;
    this.decoder = new FrameDecoder(config, this);
    this.handle = server.directFanout ? socketHandle(stream) : undefined;
    this.fd = this.handle?.fd ?? -1;
    stream.on('data', (chunk: Buffer) => {
      this.lastReceivedAt = server.now();
      this.decoder.push(chunk);
    });
    stream.on('drain', () => (this.stalledSince = 0));
    stream.on('end', () => this.onInputEnd());
    stream.on('error', (err: NodeJS.ErrnoException) => {
      this.close({ kind: 'lost', detail: err.code ?? err.message });
      stream.destroy();
    });
    stream.on('close', () => {
      this.close({ kind: 'lost' });
      server.forget(this);
    });
  }

  /** A short label for log lines. */
  get label(): string {
    const { remoteAddress, remotePort } = this.endpoints;
    const who = this.phase === 'member' ? `${this.nickname} ` : '';
    return `${who}(${remoteAddress}:${remotePort})`;
  }

  // ---- Input: DecoderSink ----

  /** Reads and carries out nothing more (a shutdown drains what was accepted first). */
  stopReading(): void {
    this.decoder.stop();
    this.inbox.length = 0;
  }

  /** @internal called by the decoder for each complete request. */
  frame(value: Record<string, unknown>, text: string): void {
    if (this.closing) return;
    if (this.bucket && !this.admit(value)) return;
    if (this.busy || this.inbox.length > 0) {
      this.inbox.push({ value, text });
      if (this.inbox.length >= INBOX_HIGH_WATER && !this.paused) {
        this.paused = true;
        this.stream.pause();
      }
      return;
    }
    this.run(value, text);
  }

  /** @internal called by the decoder for input that is not a request. */
  error(name: ErrorName, detail: string): void {
    if (this.closing) return;
    if (ERRORS[name].fatal) {
      this.close({ kind: 'error', error: name, detail });
      return;
    }
    // Garbage costs a token like a request, so it cannot buy unlimited error answers.
    if (this.bucket && !this.admit(undefined)) return;
    this.answerInOrder(name, detail);
  }

  /**
   * Flood control (rule 5.7): each request takes a token. Without one, the request is refused
   * with RATE_LIMITED and `retryAfterMs`; after `floodStrikes` refusals in a row the client is
   * disconnected, which bounds how much a flood can make the server write.
   */
  private admit(request: Record<string, unknown> | undefined): boolean {
    const now = this.server.now();
    const wait = this.bucket!.take(now);
    if (wait === 0) {
      this.strikes = 0;
      return true;
    }
    const { floodStrikes } = this.server.config;
    if (++this.strikes >= floodStrikes) {
      this.close({
        kind: 'error',
        error: 'FLOOD',
        detail: `${this.strikes} requests refused in a row`,
      });
      return false;
    }
    const id = request?.id;
    const extra: ErrorExtra = {
      request: { cmd: request?.cmd, ...(isRequestId(id) ? { id } : {}) },
      fields: { retryAfterMs: wait },
    };
    this.answerInOrder('RATE_LIMITED', undefined, extra);
    return false;
  }

  /** Sends an error now, or after the answers to earlier requests still being processed. */
  private answerInOrder(name: ErrorName, detail: string | undefined, extra?: ErrorExtra): void {
    if (this.busy || this.inbox.length > 0) {
      this.inbox.push({
        error: name,
        detail: detail ?? ERRORS[name].reason,
        ...(extra ? { extra } : {}),
      });
      return;
    }
    this.fail(name, extra?.request, detail, extra?.fields);
  }

  private run(value: Record<string, unknown>, text: string): void {
    let pending: void | Promise<void>;
    try {
      pending = dispatch(this, value, text);
    } catch (err) {
      this.crashed(err, value);
      return;
    }
    if (pending) {
      this.busy = true;
      pending.then(this.resume, (err: unknown) => {
        this.crashed(err, value);
        this.resume();
      });
    }
  }

  private readonly resume = (): void => {
    this.busy = false;
    while (!this.busy && !this.closing) {
      const next = this.inbox.shift();
      if (!next) break;
      if ('error' in next)
        this.fail(next.error, next.extra?.request, next.detail, next.extra?.fields);
      else this.run(next.value, next.text);
    }
    if (this.paused && this.inbox.length < INBOX_HIGH_WATER / 2) {
      this.paused = false;
      this.stream.resume();
    }
    if (this.inputEnded && !this.busy && this.inbox.length === 0) this.close({ kind: 'lost' });
  };

  /**
   * A handler failed. Shared storage out of reach is answered with BACKEND_UNAVAILABLE (the
   * request was not carried out); anything else is a bug, never the client's fault: it is
   * logged and answered with INTERNAL_ERROR. Either way the server goes on.
   */
  private crashed(err: unknown, request: Record<string, unknown>): void {
    if (this.closing) return;
    const id = request.id;
    const answering = { cmd: request.cmd, ...(isRequestId(id) ? { id } : {}) };
    if (err instanceof BackendUnavailableError) {
      this.fail('BACKEND_UNAVAILABLE', answering);
      return;
    }
    this.server.logger.error(`internal error on ${this.label}: ${(err as Error)?.stack ?? err}`);
    this.fail('INTERNAL_ERROR', answering);
  }

  private onInputEnd(): void {
    this.inputEnded = true;
    const partial = this.decoder.end();
    if (partial > 0) this.server.logger.debug(`${this.label} closed mid-frame (${partial} bytes)`);
    // Answer everything that arrived before the peer's FIN, then close (rule 3.6).
    if (!this.busy && this.inbox.length === 0) this.close({ kind: 'lost' });
  }

  // ---- Output: the single write path ----

  /**
   * Queues an encoded frame for this client alone. Frames go out in the order queued, with the
   * room's messages, batched into one write per event-loop turn.
   */
  send(frame: Uint8Array): void {
    if (this.ended) return;
    this.outbox.push(frame);
    if (this.outbox.ownQueued >= FLUSH_BYTES) this.flush();
    else this.scheduleFlush();
  }

  /** Leaves the room: what it published so far this turn is still sent (rule 8.2). */
  leaveRoom(): void {
    this.outbox.leaveRoom();
    if (!this.outbox.isEmpty) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.server.scheduleFlush(this);
  }

  /** Sends a direct response to a request, echoing the request's `id` if it had one. */
  reply(message: { cmd: string; id?: RequestId } & Record<string, unknown>, id?: RequestId): void {
    if (id !== undefined) message.id = id;
    this.send(Buffer.from(encode(message)));
  }

  /** Sends an error from the error table (docs/errors.md). */
  fail(
    name: ErrorName,
    request?: { cmd?: unknown; id?: RequestId },
    reason?: string,
    extra?: Record<string, unknown>,
  ): void {
    const info = ERRORS[name];
    const message: Record<string, unknown> = {
      cmd: info.code,
      error: name,
      reason: reason ?? info.reason,
    };
    if (request && typeof request.cmd === 'string') message.request = request.cmd;
    if (extra) Object.assign(message, extra);
    if (info.fatal) message.fatal = true;
    if (request?.id !== undefined) message.id = request.id;
    this.send(Buffer.from(encode(message)));
  }

  /** @internal the end-of-turn flush; `turn` makes a second call in one turn a no-op. */
  flushTurn(turn: number): void {
    if (this.flushedTurn === turn) return;
    this.flushedTurn = turn;
    this.flushScheduled = false;
    this.flush();
  }

  /**
   * Writes everything queued, as one buffer. What the kernel does not take at once waits in the
   * stream; a client for which more than `maxQueueBytes` waits is cut off (rule 3.4).
   */
  private flush(): void {
    if (this.ended) return;
    const parts = this.outbox.take();
    if (parts.length === 0) return;
    this.afterWrite(this.write(parts));
  }

  /**
   * @internal the descriptor to which `room`'s buffer of this turn may be sent directly, or -1:
   * only when that buffer is all this client is owed and its stream holds nothing unsent, so
   * a direct write cannot overtake anything, and only while the socket is open.
   */
  directFd(room: LocalRoom, turn: number): number {
    const handle = this.handle;
    if (handle === undefined || this.ended || this.flushedTurn === turn) return -1;
    if (!this.outbox.isWholeRun(room) || this.stream.writableLength !== 0) return -1;
    if (this.stream.writableEnded) return -1; // an embedder's socket that ended by itself
    return ownsHandle(this.stream, handle) ? this.fd : -1;
  }

  /**
   * @internal `sent` bytes of `data` (or minus an errno) went to the socket directly: this turn's
   * flush is done. What the socket did not take goes through the stream; an error other than a
   * full buffer ends the stream with that error, as a failed stream write would.
   */
  sentDirect(turn: number, data: Uint8Array, sent: number): void {
    this.flushedTurn = turn;
    this.flushScheduled = false;
    this.outbox.skipRun();
    if (sent === data.length) return;
    if (sent < 0 && sent !== EAGAIN) {
      // The send took the socket's pending error (a reset, a keepalive timeout): a write through
      // the stream would only meet EPIPE, so the connection ends with the real cause.
      const code = getSystemErrorName(sent);
      const error = Object.assign(new Error(`write ${code}`), {
        code,
        errno: sent,
        syscall: 'write',
      });
      this.stream.destroy(error);
      return;
    }
    this.afterWrite(this.stream.write(sent > 0 ? data.subarray(sent) : data));
  }

  /** `ok` false: the socket's buffer is over its mark and waits for the peer ('drain'). */
  private afterWrite(ok: boolean): void {
    if (ok) return;
    if (this.stalledSince === 0) this.stalledSince = this.server.now();
    if (this.stream.writableLength > this.server.config.maxQueueBytes && !this.closing) {
      this.cutOffSlowConsumer();
    }
  }

  /**
   * Writes the parts in one system call. Small ones are joined into one buffer; large ones are
   * handed over as they are (a vector write), since most are views of a room's shared buffer and
   * a copy per member would cost memory for nothing.
   */
  private write(parts: Uint8Array[]): boolean {
    if (parts.length === 1) return this.stream.write(parts[0]!);
    let bytes = 0;
    for (const part of parts) bytes += part.length;
    if (bytes <= COPY_BYTES) return this.stream.write(Buffer.concat(parts, bytes));
    this.stream.cork();
    let ok = true;
    for (const part of parts) ok = this.stream.write(part);
    this.stream.uncork();
    return ok;
  }

  /**
   * Cuts off a client that does not read (rule 3.4): what is queued for it is dropped, the reason
   * is sent if nothing is stuck in the socket's buffer (then the write reaches the kernel at
   * once), and the connection is closed without waiting for the peer.
   */
  cutOffSlowConsumer(detail?: string): void {
    if (this.closing) return;
    this.outbox.drop();
    const unsendable = this.stream.writableLength > 0;
    this.close({
      kind: 'error',
      error: 'SLOW_CONSUMER',
      unsendable,
      ...(detail ? { detail } : {}),
    });
    this.destroy();
  }

  // ---- Lifecycle ----

  /**
   * Ends the session, once: the member leaves its room at once (the others are told with `30`),
   * a fatal error is sent if there is one, queued frames are flushed, then the stream is ended.
   * A member is removed before its stream closes (rule 3.7).
   */
  close(reason: CloseReason): void {
    if (this.closing) return;
    this.closing = true;
    this.server.releaseAddress(this);
    this.stopReading();
    const released = this.server.leave(this, reason);
    if (reason.kind === 'error' && !reason.unsendable) {
      this.fail(reason.error, reason.request, reason.detail);
    }
    if (reason.kind === 'lost' && this.stream.destroyed) {
      this.ended = true;
      return;
    }
    if (!released || !this.server.directory.shared) return this.end();
    // In a cluster the release is a round trip: the client sees the end only once its nickname
    // is free (rule 3.7), or after a second if Redis is slow.
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      this.end();
    };
    const timer = setTimeout(end, RELEASE_WAIT_MS);
    void released.finally(end);
  }

  private end(): void {
    this.flush();
    this.ended = true;
    this.stream.end();
    // A peer that does not read what is left must not hold the connection open.
    const timer = setTimeout(() => this.stream.destroy(), this.server.config.shutdownGraceMs);
    timer.unref();
    this.stream.once('close', () => clearTimeout(timer));
  }

  /** Ends the stream at once, without waiting for unsent data. */
  destroy(): void {
    this.ended = true;
    this.stream.destroy();
  }
}
