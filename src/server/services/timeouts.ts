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

/** The connections the sweep checks: read afresh at the start of every round. */
export interface TimedConnections extends Iterable<TimedConnection> {
  readonly size: number;
}

/**
 * Ticks per round: each tick checks about this fraction of the connections, so no tick walks
 * all of them at once (with 10,000 members a whole sweep is a stall of its own).
 */
const SLICES = 10;

/**
 * Enforces the timeouts (docs/protocol.md, rules 3.4, 3.9 and 3.12): registration, heartbeat
 * and idle silence, and transports that have not drained. One interval timer for the whole
 * server, however many connections there are; no connection owns a timer. Every connection is
 * checked once per {@link intervalMs}, spread over {@link SLICES} ticks.
 */
export class Timeouts {
  private timer: Timer | undefined;
  /** The round under way: where it is in the connections, and how many each tick checks. */
  private round: Iterator<TimedConnection> | undefined;
  private perTick = 0;
  private ticks = 0;

  /**
   * @param connections the connections to check, read at the start of every round
   * @param afterSweep called after each round, for other periodic housekeeping
   */
  constructor(
    private readonly settings: TimeoutSettings,
    private readonly clock: Clock,
    private readonly connections: () => TimedConnections,
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
    this.timer ??= this.clock.setInterval(() => this.tick(), this.intervalMs / SLICES).unref();
  }

  stop(): void {
    this.clock.clearInterval(this.timer);
    this.round = undefined;
  }

  /** Checks every connection once, at once. */
  sweep(): void {
    const now = this.clock.now();
    for (const conn of this.connections()) this.check(conn, now);
    this.afterSweep();
  }

  /**
   * One slice of a round. The round walks the connections as they are when it began (a Set's
   * iterator skips those removed meanwhile); its last tick also checks any that came since.
   */
  private tick(): void {
    if (this.round === undefined) {
      const connections = this.connections();
      this.round = connections[Symbol.iterator]();
      this.perTick = Math.ceil(connections.size / SLICES);
      this.ticks = 0;
    }
    const last = ++this.ticks === SLICES;
    const now = this.clock.now();
    for (let n = 0; last || n < this.perTick; n++) {
      const next = this.round.next();
      if (next.done) break;
      this.check(next.value, now);
    }
    if (!last) return;
    this.round = undefined;
    this.afterSweep();
  }

  private check(conn: TimedConnection, now: number): void {
    const phase = conn.phase;
    if (phase === 'closing') return;
    const { registrationTimeoutMs, idleTimeoutMs, drainTimeoutMs } = this.settings;
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
}
