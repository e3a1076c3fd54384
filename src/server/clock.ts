/**
 * Time, as the server's services see it: a monotonic clock and timers. Injected everywhere a
 * timeout or a rate is measured, so tests can drive time by hand (test/fake-clock.ts).
 */

/** A pending timer; `unref` lets the process exit while it waits. */
export interface Timer {
  unref(): Timer;
}

export interface Clock {
  /** Monotonic milliseconds (never jumps with the wall clock). */
  now(): number;
  setTimeout(callback: () => void, ms: number): Timer;
  clearTimeout(timer: Timer | undefined): void;
  setInterval(callback: () => void, ms: number): Timer;
  clearInterval(timer: Timer | undefined): void;
}

/** The real clock: `performance.now()` and Node's timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (timer) => clearInterval(timer as NodeJS.Timeout | undefined),
};

/** Resolves when `promise` settles, or after `ms` on `clock`, whichever is first. */
export async function within(clock: Clock, promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: Timer | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise((resolve) => (timer = clock.setTimeout(() => resolve(undefined), ms))),
  ]);
  clock.clearTimeout(timer);
}
