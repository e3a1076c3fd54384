import type { Clock, Timer } from '../clock.js';
import type { CloseReason, Phase } from '../session.js';

/** The timeouts, in milliseconds; 0 turns the registration and idle timeouts off. */
export interface TimeoutSettings {
  readonly registrationTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly drainTimeoutMs: number;
}

/** What the sweep reads of a connection, and how it ends one. */
export interface TimedConnection {
  readonly phase: Phase;
  /** The heartbeat the client promised, in milliseconds; 0 if none. */
  readonly heartbeatMs: number;
  /** When the connection was accepted, on the clock's time. */
  readonly openedAt: number;
  /** When bytes last arrived from the client. */
  readonly lastReceivedAt: number;
  /** Since when a write has been waiting for the transport to drain; 0 when none is. */
  readonly stalledSince: number;
  close(reason: CloseReason): void;
  cutOffSlowConsumer(detail: string): void;
}

/**
 * Enforces the timeouts (docs/protocol.md, rules 3.4, 3.9 and 3.12): registration, heartbeat
 * and idle silence, and transports that have not drained. One sweep on one interval timer for
 * the whole server, however many connections there are; no connection owns a timer.
 */
export class Timeouts {
  private timer: Timer | undefined;

  /**
   * @param connections the connections to check, read at every sweep
   * @param afterSweep called after each sweep, for other periodic housekeeping
   */
  constructor(
    private readonly settings: TimeoutSettings,
    private readonly clock: Clock,
    private readonly connections: () => Iterable<TimedConnection>,
    private readonly afterSweep: () => void = () => undefined,
  ) {}

  /** Sweeps often enough for the shortest timeout to be enforced within a quarter of itself. */
  get intervalMs(): number {
    const { registrationTimeoutMs, idleTimeoutMs, drainTimeoutMs } = this.settings;
    const timeouts = [registrationTimeoutMs, idleTimeoutMs, drainTimeoutMs];
    const shortest = Math.min(...timeouts.filter((t) => t > 0), 4000);
    return Math.max(10, Math.min(1000, Math.floor(shortest / 4)));
  }

  start(): void {
    this.timer ??= this.clock.setInterval(() => this.sweep(), this.intervalMs).unref();
  }

  stop(): void {
    this.clock.clearInterval(this.timer);
  }

  /** Checks every connection once. */
  sweep(): void {
    const now = this.clock.now();
    const { registrationTimeoutMs, idleTimeoutMs, drainTimeoutMs } = this.settings;
    for (const conn of this.connections()) {
      const phase = conn.phase;
      if (phase === 'closing') continue;
      if (conn.stalledSince > 0 && now - conn.stalledSince > drainTimeoutMs) {
        conn.cutOffSlowConsumer(`the socket has not drained for ${drainTimeoutMs} ms`);
      } else if (phase === 'new') {
        if (registrationTimeoutMs > 0 && now - conn.openedAt > registrationTimeoutMs) {
          conn.close({
            kind: 'error',
            error: 'REGISTRATION_TIMEOUT',
            detail: `no CONNECT within ${registrationTimeoutMs} ms`,
          });
        }
      } else if (phase === 'member') {
        const silence = now - conn.lastReceivedAt;
        const heartbeatMs = conn.heartbeatMs;
        if (heartbeatMs > 0) {
          if (silence > 2 * heartbeatMs) {
            conn.close({
              kind: 'error',
              error: 'IDLE_TIMEOUT',
              detail: `no heartbeat for ${Math.round(silence)} ms (promised every ${heartbeatMs} ms)`,
            });
          }
        } else if (idleTimeoutMs > 0 && silence > idleTimeoutMs) {
          conn.close({
            kind: 'error',
            error: 'IDLE_TIMEOUT',
            detail: `nothing received for ${idleTimeoutMs} ms`,
          });
        }
      }
    }
    this.afterSweep();
  }
}
