/**
 * The reconnection loop of a client made with `reconnect`: after a lost connection, waits,
 * opens a new one and rejoins, again and again until it works or is not worth it any more. It
 * knows nothing of a transport: it is handed a way to open a {@link ClientStream}, in Node
 * (TCP, TLS, WebSocket) or in a browser alike.
 */
import { NatterError } from './errors.js';
import type { ChatEvent } from './events.js';
import { retryDelay, worthRetrying, type RetryPolicy } from './retry.js';
import type { ClientStream } from './stream.js';

/** Time and chance, for the loop; tests give their own. */
export interface RetryClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
  /** A number in [0, 1). */
  random(): number;
}

const SYSTEM_CLOCK: RetryClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
};

/** What the loop does its work with. */
export interface ReconnectHooks {
  /** Opens a new stream to the server. */
  open(): Promise<ClientStream>;
  /** Joins over it as the client was; rejects with the refusal or the failure. */
  rejoin(stream: ClientStream): Promise<void>;
  /** Tells the client's listeners (`reconnecting`). */
  event(event: ChatEvent): void;
  /** The loop gave up: the client closes with this reason. */
  giveUp(reason: NatterError): void;
}

/**
 * Gets a lost connection back: waits as the retry policy says, opens a new stream, rejoins over
 * it, and tries again after a failure until the policy gives up.
 */
export class Reconnector {
  private attempt = 0;
  private lostAt = 0;
  private timer: unknown;
  private stopped = false;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly hooks: ReconnectHooks,
    private readonly clock: RetryClock = SYSTEM_CLOCK,
  ) {}

  /** The connection was lost: tries to get it back. */
  lost(reason: NatterError): void {
    if (this.stopped) return;
    this.attempt = 0;
    this.lostAt = this.clock.now();
    this.schedule(reason);
  }

  /** No more attempts (the client is leaving). */
  stop(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
  }

  private schedule(reason: NatterError): void {
    if (this.attempt >= this.policy.maxAttempts) return this.hooks.giveUp(reason);
    const attempt = ++this.attempt;
    const delayMs = retryDelay(attempt, this.policy, this.clock.random(), reason);
    this.hooks.event({ type: 'reconnecting', attempt, delayMs, error: reason });
    this.timer = this.clock.setTimeout(() => void this.try(), delayMs);
  }

  private async try(): Promise<void> {
    try {
      const stream = await this.hooks.open();
      if (this.stopped) return void stream.destroy();
      await this.hooks.rejoin(stream);
    } catch (err) {
      if (this.stopped) return;
      const error =
        err instanceof NatterError ? err : new NatterError('ECONNECT', String(err as Error));
      if (!worthRetrying(error, this.clock.now() - this.lostAt, this.policy)) {
        return this.hooks.giveUp(error);
      }
      this.schedule(error);
    }
  }
}
