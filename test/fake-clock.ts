/**
 * A clock for unit tests: time moves only when the test says so, and timers fire in order as it
 * passes. Implements the server's Clock interface.
 */
import type { Clock, Timer } from '../src/server/clock.js';

interface Pending {
  at: number;
  readonly every: number | undefined;
  readonly callback: () => void;
  readonly timer: Timer;
}

export class FakeClock implements Clock {
  private time: number;
  private pending: Pending[] = [];

  constructor(start = 1000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): Timer {
    return this.add(callback, ms, undefined);
  }

  setInterval(callback: () => void, ms: number): Timer {
    return this.add(callback, ms, Math.max(1, ms));
  }

  clearTimeout(timer: Timer | undefined): void {
    this.pending = this.pending.filter((p) => p.timer !== timer);
  }

  clearInterval(timer: Timer | undefined): void {
    this.clearTimeout(timer);
  }

  /** Timers still waiting. */
  get timers(): number {
    return this.pending.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = this.pending.reduce<Pending | undefined>(
        (first, p) => (p.at <= end && (!first || p.at < first.at) ? p : first),
        undefined,
      );
      if (!next) break;
      this.time = next.at;
      if (next.every === undefined) this.pending = this.pending.filter((p) => p !== next);
      else next.at += next.every;
      next.callback();
    }
    this.time = end;
  }

  private add(callback: () => void, ms: number, every: number | undefined): Timer {
    const timer: Timer = { unref: () => timer };
    this.pending.push({ at: this.time + Math.max(0, ms), every, callback, timer });
    return timer;
  }
}
