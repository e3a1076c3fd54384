import { FrameDecoder, type DecoderLimits, type DecoderSink } from '../../protocol/decoder.js';
import { ERRORS, type ErrorDetails, type ErrorName } from '../../protocol/errors.js';
import { isRequestId } from '../../protocol/requests.js';
import type { Clock } from '../clock.js';
import type { Answer } from '../commands/command.js';
import { Flood, type FloodLimits } from './flood.js';

/** Where the reader hands what it read, in order. */
export interface ReaderSink {
  /**
   * Carries out one request. A returned promise holds back the next request until it settles,
   * unless both may overlap; what it resolves to, if a function, is the request's answer, sent
   * in order.
   */
  run(request: Record<string, unknown>, text: string): void | Promise<Answer | void>;
  /**
   * Whether a request may start while earlier requests that may overlap are still being carried
   * out (a CHAT in a cluster, waiting for Redis to publish it).
   */
  overlaps(request: Record<string, unknown>, text: string): boolean;
  /** Answers input that was refused or could not be decoded, in order with the other answers. */
  refuse(error: ErrorName, details: ErrorDetails): void;
  /** Ends the session over a fatal error (FRAME_TOO_LARGE, FLOOD). */
  fatal(error: ErrorName, detail: string): void;
  /** A request's handler failed. */
  crashed(err: unknown, request: Record<string, unknown>): void;
  /** The client finished sending, and everything it sent has been answered (rule 3.6). */
  finished(): void;
}

/** Whom the reader works for: the sink of what it reads, and the input it can pause. */
export interface ReaderOwner extends ReaderSink {
  /** Stops reading from the client's transport... */
  pause(): void;
  /** ...and starts again. */
  resume(): void;
}

/**
 * Input waiting for an earlier, asynchronous request to finish: a request, or a refusal whose
 * answer must stay in order with the answers before it.
 */
type QueuedInput =
  | { readonly value: Record<string, unknown>; readonly text: string }
  | { readonly error: ErrorName; readonly details: ErrorDetails }
  | { readonly fatal: ErrorName; readonly detail: string };

/** Frames that may queue behind a slow request before reading from the client pauses. */
const INBOX_HIGH_WATER = 256;

/** Requests that may overlap, carried out at once per client at most. */
const MAX_OVERLAPPING = 64;

/** A request that may overlap, being carried out: its outcome once settled. */
interface Overlapping {
  readonly request: Record<string, unknown>;
  settled: boolean;
  answer?: Answer | void;
  failure?: { readonly err: unknown };
}

/**
 * The reading half of a connection: the decoder, flood control and the inbox. Requests are
 * carried out one at a time, in the order received (rule 1.4); a request whose handler is
 * asynchronous holds back the ones after it, which wait in the inbox. Requests that may overlap
 * (a cluster's CHATs) are a pipeline: several are carried out at once, their answers sent in
 * the order received, and anything else waits until they are all answered.
 */
export class Reader implements DecoderSink {
  private readonly decoder: FrameDecoder;
  /** Flood control (rule 5.7): undefined when it is off for this client. */
  private readonly flood: Flood | undefined;
  private readonly inbox: QueuedInput[] = [];
  private busy = false;
  /** Requests that may overlap being carried out, oldest first. */
  private readonly overlapping: Overlapping[] = [];
  private inputEnded = false;
  private paused = false;
  private stopped = false;
  /** A fatal error waits behind earlier answers: nothing after it is read. */
  private cut = false;

  /** @param flood flood control's limits; undefined: none for this client */
  constructor(
    limits: DecoderLimits,
    flood: FloodLimits | undefined,
    private readonly owner: ReaderOwner,
    clock: Clock,
  ) {
    this.decoder = new FrameDecoder(limits, this);
    this.flood = flood && flood.floodRate > 0 ? new Flood(flood, clock) : undefined;
  }

  /** The next bytes of a byte-stream transport. */
  push(chunk: Uint8Array): void {
    this.decoder.push(chunk);
  }

  /** One whole message of a message transport: one frame. */
  pushMessage(message: Uint8Array): void {
    this.decoder.pushMessage(message);
  }

  /** Reads and carries out nothing more; what waits in the inbox is dropped. */
  stop(): void {
    this.stopped = true;
    this.decoder.stop();
    this.inbox.length = 0;
  }

  /**
   * The client sent its last bytes. Everything that arrived before is still answered; then the
   * sink hears {@link ReaderSink.finished}.
   * @returns bytes of a frame that was still incomplete, which is dropped (rule 2.7)
   */
  end(): number {
    this.inputEnded = true;
    const partial = this.decoder.end();
    if (this.idle()) this.owner.finished();
    return partial;
  }

  /** @internal the decoder's complete requests. */
  frame(value: Record<string, unknown>, text: string): void {
    if (this.stopped || this.cut) return;
    if (this.flood && !this.admit(value)) return;
    if (!this.mayStart(value, text)) {
      this.inbox.push({ value, text });
      if (this.inbox.length >= INBOX_HIGH_WATER && !this.paused) {
        this.paused = true;
        this.owner.pause();
      }
      return;
    }
    this.run(value, text);
  }

  /** @internal the decoder's input that is not a request. */
  error(name: ErrorName, detail: string): void {
    if (this.stopped || this.cut) return;
    if (ERRORS[name].fatal) return this.fatalInOrder(name, detail);
    // Garbage costs a token like a request, so it cannot buy unlimited error answers.
    if (this.flood && !this.admit(undefined)) return;
    this.answerInOrder(name, { reason: detail });
  }

  /**
   * Flood control (rule 5.7): each request takes a token (some more). Without, it is refused
   * with RATE_LIMITED and `retryAfterMs`; after `floodStrikes` refusals in a row the client is
   * disconnected, which bounds how much a flood can make the server write.
   */
  private admit(request: Record<string, unknown> | undefined): boolean {
    const flood = this.flood!;
    const wait = flood.take(request);
    if (wait === 0) return true;
    // Every refused request is answered, the last one before the cut-off too.
    const id = request?.id;
    this.answerInOrder('RATE_LIMITED', {
      request: { cmd: request?.cmd, ...(isRequestId(id) ? { id } : {}) },
      fields: { retryAfterMs: wait },
    });
    if (flood.exhausted) this.fatalInOrder('FLOOD', `${flood.strikes} requests refused in a row`);
    return false;
  }

  /** Refuses now, or after the answers to earlier requests still being carried out. */
  private answerInOrder(error: ErrorName, details: ErrorDetails): void {
    if (this.busy || this.inbox.length > 0 || this.overlapping.length > 0) {
      this.inbox.push({ error, details });
    } else this.owner.refuse(error, details);
  }

  /**
   * Ends the session over a fatal error once every request before it has been answered (a
   * CONNECT still under way gets its `03`, the requests admitted after it are carried out);
   * nothing read after it counts, and reading stops.
   */
  private fatalInOrder(error: ErrorName, detail: string): void {
    if (this.idle()) return this.owner.fatal(error, detail);
    this.inbox.push({ fatal: error, detail });
    this.cut = true;
    this.decoder.stop();
    if (!this.paused) {
      this.paused = true;
      this.owner.pause();
    }
  }

  /** Nothing is being carried out, and nothing waits. */
  private idle(): boolean {
    return !this.busy && this.inbox.length === 0 && this.overlapping.length === 0;
  }

  /** Whether a request just read may be carried out now, or must wait in the inbox. */
  private mayStart(request: Record<string, unknown>, text: string): boolean {
    return this.inbox.length === 0 && this.mayRun(request, text);
  }

  /** Whether the next request in line may be carried out now. */
  private mayRun(request: Record<string, unknown>, text: string): boolean {
    if (this.busy) return false;
    const n = this.overlapping.length;
    return n === 0 || (n < MAX_OVERLAPPING && this.owner.overlaps(request, text));
  }

  private run(value: Record<string, unknown>, text: string): void {
    let pending: void | Promise<Answer | void>;
    try {
      pending = this.owner.run(value, text);
    } catch (err) {
      this.owner.crashed(err, value);
      return;
    }
    if (!pending) return;
    if (this.owner.overlaps(value, text)) {
      const entry: Overlapping = { request: value, settled: false };
      this.overlapping.push(entry);
      const settle = () => {
        entry.settled = true;
        this.answerOverlapping();
      };
      pending.then(
        (answer) => {
          entry.answer = answer;
          settle();
        },
        (err: unknown) => {
          entry.failure = { err };
          settle();
        },
      );
      return;
    }
    this.busy = true;
    pending.then(
      (answer) => {
        if (answer) answer();
        this.resume();
      },
      (err: unknown) => {
        this.owner.crashed(err, value);
        this.resume();
      },
    );
  }

  /** Answers the settled requests at the head of the pipeline, in order; then reads on. */
  private answerOverlapping(): void {
    while (this.overlapping[0]?.settled) {
      const { request, answer, failure } = this.overlapping.shift()!;
      if (failure) this.owner.crashed(failure.err, request);
      else if (answer) answer();
    }
    this.resume();
  }

  // A method, not an arrow function in a field: a closure per connection costs memory.
  private resume(): void {
    this.busy = false;
    while (!this.stopped) {
      const next = this.inbox[0];
      if (!next) break;
      if ('error' in next || 'fatal' in next) {
        if (this.overlapping.length > 0) break;
        this.inbox.shift();
        if ('fatal' in next) this.owner.fatal(next.fatal, next.detail);
        else this.owner.refuse(next.error, next.details);
        continue;
      }
      if (!this.mayRun(next.value, next.text)) break;
      this.inbox.shift();
      this.run(next.value, next.text);
      if (this.busy) break;
    }
    if (this.paused && !this.cut && this.inbox.length < INBOX_HIGH_WATER / 2) {
      this.paused = false;
      this.owner.resume();
    }
    if (this.inputEnded && this.idle()) this.owner.finished();
  }
}
