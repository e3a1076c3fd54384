import { BackendUnavailableError, OutcomeUnknownError } from '../../backends/errors.js';
import type { DecoderLimits } from '../../protocol/decoder.js';
import type { ErrorDetails, ErrorName } from '../../protocol/errors.js';
import { isRequestId } from '../../protocol/requests.js';
import type { Clock, Timer } from '../clock.js';
import { SessionContext, type Services } from '../commands/context.js';
import type { Answer } from '../commands/command.js';
import { dispatch, overlaps } from '../commands/dispatcher.js';
import type { Link, LinkInput } from '../link.js';
import type { Logger } from '../logger.js';
import type { Admission } from '../services/admission.js';
import type { Membership } from '../services/membership.js';
import type { TimedConnection } from '../services/timeouts.js';
import {
  Session,
  type CloseReason,
  type Endpoints,
  type Phase,
  type SessionOwner,
} from '../session.js';
import type { DirectSocket } from '../write/native-fanout.js';
import { Writer, type WriterContext, type WriterOwner } from '../write/writer.js';
import type { FloodLimits } from './flood.js';
import { Reader, type ReaderOwner } from './reader.js';

/** What every connection of a server shares. */
export interface ConnectionDeps {
  readonly services: Services;
  readonly membership: Membership;
  readonly admission: Admission;
  readonly writers: WriterContext;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly limits: DecoderLimits & FloodLimits & { readonly shutdownGraceMs: number };
  /**
   * How long a closing member's connection waits for its release before it ends (in a
   * cluster the release is a round trip, and the client sees the end only once its nickname is
   * free, rule 3.7); 0: end at once.
   */
  readonly releaseWaitMs: number;
  /** The connection's transport has closed: the server forgets it. */
  readonly gone: (conn: Connection) => void;
}

/**
 * One client connection: a reading half ({@link Reader}) that hands requests to the commands,
 * a writing half ({@link Writer}) through which everything is answered, the {@link Session}
 * they act for, and the lifecycle that ties them to the transport's {@link Link}. Transport
 * adapters feed it input through its {@link LinkInput} methods.
 */
export class Connection
  implements LinkInput, ReaderOwner, SessionOwner, WriterOwner, TimedConnection
{
  readonly session: Session;
  readonly writer: Writer;
  private readonly reader: Reader;
  private readonly context: SessionContext;
  /** When the connection was accepted, and when bytes last arrived (the clock's time). */
  readonly openedAt: number;
  lastReceivedAt: number;
  /** The session still counts against its address's connection limit. */
  private counted = true;
  private linger: Timer | undefined;

  constructor(
    private readonly link: Link,
    id: string,
    endpoints: Endpoints,
    direct: DirectSocket | undefined,
    private readonly deps: ConnectionDeps,
  ) {
    const { clock, limits } = deps;
    this.openedAt = this.lastReceivedAt = clock.now();
    this.writer = new Writer(link, deps.writers, direct, this);
    this.session = new Session(id, endpoints, this.writer, this);
    this.context = new SessionContext(this.session, deps.services);
    const flood = deps.admission.isExempt(endpoints.remoteAddress) ? undefined : limits;
    this.reader = new Reader(limits, flood, this, clock);
  }

  get phase(): Phase {
    return this.session.phase;
  }

  get heartbeatMs(): number {
    return this.session.heartbeatMs;
  }

  get stalledSince(): number {
    return this.writer.stalledSince;
  }

  // ---- Input, from the transport adapter ----

  /** Bytes from a byte-stream transport. */
  receive(chunk: Uint8Array): void {
    this.lastReceivedAt = this.deps.clock.now();
    this.reader.push(chunk);
  }

  /** One whole message from a message transport (one frame). */
  receiveMessage(message: Uint8Array): void {
    this.lastReceivedAt = this.deps.clock.now();
    this.reader.pushMessage(message);
  }

  /** The client finished sending: what it sent is answered, then the session ends (rule 3.6). */
  inputEnded(): void {
    const partial = this.reader.end();
    if (partial > 0) {
      this.deps.logger.debug(`${this.session.label} closed mid-frame (${partial} bytes)`);
    }
  }

  /** The transport failed (a reset): the session ends, and the transport is destroyed. */
  failed(error: NodeJS.ErrnoException): void {
    this.close({ kind: 'lost', detail: error.code ?? error.message });
    this.link.destroy();
  }

  /** The transport took everything written so far. */
  drained(): void {
    this.writer.drained();
  }

  /** The transport has closed. */
  closed(): void {
    this.close({ kind: 'lost' });
    this.deps.clock.clearTimeout(this.linger);
    this.releaseAddress();
    this.deps.gone(this);
  }

  /** Reads and carries out nothing more (a shutdown drains what was accepted first). */
  stopReading(): void {
    this.reader.stop();
  }

  // ---- ReaderOwner, WriterOwner: the halves' calls back ----

  /** @internal */
  run(request: Record<string, unknown>, text: string): void | Promise<Answer | void> {
    return dispatch(this.context, request, text);
  }

  /** @internal */
  overlaps(request: Record<string, unknown>, text: string): boolean {
    return overlaps(this.context, request, text);
  }

  /** @internal */
  refuse(error: ErrorName, details: ErrorDetails): void {
    this.context.error(error, details.request, details.reason, details.fields);
  }

  /** @internal */
  fatal(error: ErrorName, detail: string): void {
    this.close({ kind: 'error', error, detail });
  }

  /**
   * @internal a handler failed. Shared storage out of reach is answered with
   * BACKEND_UNAVAILABLE (the request was not carried out); a change whose answer was lost ends
   * the session with CLUSTER_UNREACHABLE, whose release undoes whatever part of it was made
   * (rule 9.14). Anything else is a bug, never the client's fault: it is logged and answered
   * with INTERNAL_ERROR. Either way the server goes on.
   */
  crashed(err: unknown, request: Record<string, unknown>): void {
    if (this.session.closing) return;
    const id = request.id;
    const answering = { cmd: request.cmd, ...(isRequestId(id) ? { id } : {}) };
    if (err instanceof OutcomeUnknownError) {
      const detail = err.message;
      this.close({ kind: 'error', error: 'CLUSTER_UNREACHABLE', detail, request: answering });
      return;
    }
    if (err instanceof BackendUnavailableError) {
      this.context.error('BACKEND_UNAVAILABLE', answering);
      return;
    }
    const detail = (err as Error)?.stack ?? String(err);
    this.deps.logger.error(`internal error on ${this.session.label}: ${detail}`);
    this.context.error('INTERNAL_ERROR', answering);
  }

  /** @internal the client closed its side, and everything it sent was answered */
  finished(): void {
    this.close({ kind: 'lost', clean: true });
  }

  /** @internal the reader has too much waiting: stop reading from the client for now. */
  pause(): void {
    this.link.pause();
  }

  /** @internal */
  resume(): void {
    this.link.resume();
  }

  /** @internal the writer holds more than `maxQueueBytes` unsent. */
  overflowed(): void {
    this.cutOffSlowConsumer();
  }

  // ---- Lifecycle ----

  /**
   * Ends the session, once: the member leaves its room at once (the others are told with `30`),
   * a fatal error is sent if there is one, queued frames are flushed, then the transport is
   * ended. A member is removed before its connection closes (rule 3.7).
   */
  close(reason: CloseReason): void {
    const was = this.session.beginClose();
    if (was === undefined) return;
    this.releaseAddress();
    this.reader.stop();
    const released = this.deps.membership.leave(this.session, was, reason);
    if (reason.kind === 'error' && !reason.unsendable) {
      this.context.error(reason.error, reason.request, reason.detail, reason.fields);
    }
    if (reason.kind === 'lost' && this.link.destroyed) {
      this.writer.stop();
      return;
    }
    const waitMs = this.deps.releaseWaitMs;
    if (!released || waitMs === 0) return this.end();
    // The client sees the end only once its nickname is free, or after a while if the
    // directory is slow.
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.deps.clock.clearTimeout(timer);
      this.end();
    };
    const timer = this.deps.clock.setTimeout(end, waitMs);
    void released.finally(end);
  }

  /**
   * Cuts off a client that does not read (rule 3.4): what is queued for it is dropped, the reason
   * is sent if nothing is stuck in the transport's buffer (then the write reaches the kernel at
   * once), and the connection is closed without waiting for the peer.
   */
  cutOffSlowConsumer(detail?: string): void {
    if (this.session.closing) return;
    this.writer.drop();
    const unsendable = this.writer.pendingBytes > 0;
    // Counted here: the error is seldom sent (the socket is full), but the cut-off happened.
    if (unsendable) this.deps.services.counters.error('SLOW_CONSUMER');
    this.close({
      kind: 'error',
      error: 'SLOW_CONSUMER',
      unsendable,
      ...(detail ? { detail } : {}),
    });
    this.destroy();
  }

  /** Ends the transport at once, without waiting for unsent data. */
  destroy(): void {
    this.writer.stop();
    this.link.destroy();
  }

  private end(): void {
    this.writer.finish();
    this.link.end();
    // A peer that does not read what is left must not hold the connection open.
    this.linger = this.deps.clock
      .setTimeout(() => this.link.destroy(), this.deps.limits.shutdownGraceMs)
      .unref();
  }

  /**
   * Gives back the connection's place in its address's count, once: when its session ends, not
   * when a peer that ignores the close finally lets the socket go (rule 3.11).
   */
  private releaseAddress(): void {
    if (!this.counted) return;
    this.counted = false;
    this.deps.admission.release(this.session.endpoints.remoteAddress);
  }
}
