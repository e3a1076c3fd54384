import { answers, isSuccess, type ANSWERS, type AnsweredCode } from '../protocol/answers.js';
import { encode } from '../protocol/encode.js';
import type { ErrorMessage, Reply } from '../protocol/messages.js';
import type { Request, RequestId, RequestOf } from '../protocol/requests.js';
import { NatterError } from './errors.js';
import type { Received } from './events.js';

/**
 * The seed server reads one request per read, and two requests that arrive together disconnect
 * the client (its defect D02). Against it, requests go one at a time, this far apart.
 */
const SEED_PACING_MS = 10;

/** The answer that means request `C` succeeded (docs/protocol.md, section 4). */
export type SuccessOf<C extends AnsweredCode> = Extract<
  Reply,
  { cmd: (typeof ANSWERS)[C]['success'] }
>;

/** What the tracker needs from the connection it sends on. */
export interface Link {
  /** Writes one frame; `done`, if given, runs once the stream has taken it or failed. */
  write(frame: string, done?: (err?: Error | null) => void): void;
  /** Why nothing can be sent any more, or undefined while the connection is open. */
  refusal(): NatterError | undefined;
  /** True when requests carry ids, so their answers are matched by id. */
  ids(): boolean;
  /** True when requests must go one at a time, paced for the seed server. */
  paced(): boolean;
}

interface Pending {
  readonly cmd: string;
  readonly id: RequestId | undefined;
  resolve(answer: Received<Reply>): void;
  reject(error: Error): void;
}

/**
 * Sends requests and matches the server's answers to them: by `id` when the server echoes one
 * (Natter), else in order, the oldest request that can be answered with the code (the seed).
 * Against the seed it also paces requests, so that the seed reads each one on its own.
 */
export class RequestTracker {
  private readonly pending: Pending[] = [];
  private nextId = 1;
  private lastWrite = 0;
  /** Against a seed server: the request before this one, which this one waits for. */
  private previous: Promise<unknown> = Promise.resolve();

  constructor(private readonly link: Link) {}

  /** performance.now() of the last write: the heartbeat and the pacing count from it. */
  get lastSent(): number {
    return this.lastWrite;
  }

  /**
   * Sends a request and resolves with its successful answer; rejects with a
   * {@link NatterError} for a refusal or an error, or when the connection closes first.
   * @param forceId send an id even when {@link Link.ids} says no: the CONNECT goes before the
   *   client knows the server, and a seed server ignores the id.
   */
  request<C extends AnsweredCode>(body: RequestOf<C>, forceId = false): Promise<SuccessOf<C>> {
    return this.inTurn(() => {
      const refusal = this.link.refusal();
      if (refusal) return Promise.reject(refusal);
      const id = this.link.ids() || forceId ? this.nextId++ : undefined;
      if (id !== undefined) body.id = id;
      return new Promise<SuccessOf<C>>((resolve, reject) => {
        // Only an answer to this request's code reaches resolve, and only a success code: by
        // the protocol that is SuccessOf<C>, which the client trusts as it trusts every shape.
        const settle = (answer: Received<Reply>) => resolve(answer as SuccessOf<C>);
        this.pending.push({ cmd: body.cmd, id, resolve: settle, reject });
        this.lastWrite = performance.now();
        this.link.write(encode(body));
      });
    });
  }

  /** Sends a request that has no answer (EXIT, or CHAT to a seed); resolves once written. */
  send(body: Request): Promise<void> {
    return this.inTurn(() => {
      const refusal = this.link.refusal();
      if (refusal) return Promise.reject(refusal);
      this.lastWrite = performance.now();
      return new Promise<void>((resolve, reject) =>
        this.link.write(encode(body), (err) => (err ? reject(err) : resolve())),
      );
    });
  }

  /**
   * Settles the request an answer belongs to: resolves it on success, rejects it on a refusal.
   * An answer nobody waits for (from a newer server) is ignored, as the seed's clients do.
   */
  settle(answer: Received<Reply>): void {
    const pending = this.take(answer);
    if (!pending) return;
    if (isSuccess(answer.cmd)) pending.resolve(answer);
    else pending.reject(NatterError.fromAnswer(answer));
  }

  /**
   * Rejects the request an error answers. Only an error with an `id` answers a request: one
   * without is about the connection, not a request.
   * @returns false when the error answers no request
   */
  fail(message: Received<ErrorMessage>, error: NatterError): boolean {
    const pending = message.id !== undefined ? this.take(message) : undefined;
    pending?.reject(error);
    return pending !== undefined;
  }

  /** Rejects every request still waiting: the connection closed. */
  rejectAll(error: NatterError): void {
    for (const p of this.pending.splice(0)) p.reject(error);
  }

  /** Finds the request an answer belongs to: by id, or else the oldest that expects its code. */
  private take(message: Received<Reply | ErrorMessage>): Pending | undefined {
    const { id } = message;
    let index: number;
    if (id !== undefined) index = this.pending.findIndex((p) => p.id === id);
    else index = this.pending.findIndex((p) => answers(p.cmd, message.cmd));
    if (index < 0) return undefined;
    return this.pending.splice(index, 1)[0];
  }

  /**
   * Runs a request at once, unless {@link Link.paced}: then after the previous request has
   * been answered (or written, if it has no answer) and SEED_PACING_MS after the last write.
   */
  private inTurn<T>(send: () => Promise<T>): Promise<T> {
    if (!this.link.paced()) return send();
    const turn = this.previous.then(async () => {
      const wait = this.lastWrite + SEED_PACING_MS - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      return send();
    });
    this.previous = turn.catch(() => undefined);
    return turn;
  }
}
