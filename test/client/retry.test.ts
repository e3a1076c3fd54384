import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NatterError } from '../../src/client/errors.js';
import type { ChatEvent } from '../../src/client/events.js';
import { Reconnector, type RetryClock } from '../../src/client/reconnect.js';
import {
  DEFAULT_RETRY,
  retryDelay,
  retryPolicy,
  worthReconnecting,
  worthRetrying,
} from '../../src/client/retry.js';
import type { ClientStream } from '../../src/client/stream.js';
import type { Timer } from '../../src/server/clock.js';
import { FakeClock } from '../fake-clock.js';

const refused = () => new NatterError('ECONNREFUSED', 'connection refused');
const refusal = (code: string, extra: Record<string, unknown> = {}) =>
  new NatterError(code, `refused with ${code}`, { cmd: code, ...extra });

describe('reconnect backoff', () => {
  it('doubles from 0.5 s up to 10 s, jittered by up to 30% either way', () => {
    const bases = [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000];
    bases.forEach((base, i) => {
      assert.equal(retryDelay(i + 1, DEFAULT_RETRY, 0.5), base, `attempt ${i + 1}`);
      assert.equal(retryDelay(i + 1, DEFAULT_RETRY, 0), Math.round(base * 0.7));
      assert.equal(retryDelay(i + 1, DEFAULT_RETRY, 0.999_999), Math.round(base * 1.3));
    });
    // However many attempts: no overflow, still the cap.
    assert.equal(retryDelay(10_000, DEFAULT_RETRY, 0.5), 10_000);
  });

  it("waits as long as a server's retryAfterMs asks when that is longer", () => {
    const limited = refusal('922', { retryAfterMs: 4000 });
    assert.equal(retryDelay(1, DEFAULT_RETRY, 0.5, limited), 4000);
    assert.equal(retryDelay(6, DEFAULT_RETRY, 0.5, limited), 10_000);
    assert.equal(retryDelay(1, DEFAULT_RETRY, 0.5, refusal('922', { retryAfterMs: 'x' })), 500);
  });

  it('takes the options given and defaults for the rest', () => {
    assert.equal(retryPolicy(false), undefined);
    assert.equal(retryPolicy(undefined), undefined);
    assert.deepEqual(retryPolicy(true), DEFAULT_RETRY);
    assert.deepEqual(retryPolicy({ maxDelayMs: 30_000, jitter: 0 }), {
      ...DEFAULT_RETRY,
      maxDelayMs: 30_000,
      jitter: 0,
    });
  });

  it('retries network failures always, passing refusals for a while, others never', () => {
    assert.equal(worthRetrying(refused(), 1e9, DEFAULT_RETRY), true);
    assert.equal(worthRetrying(refusal('01'), 44_999, DEFAULT_RETRY), true);
    assert.equal(worthRetrying(refusal('01'), 45_000, DEFAULT_RETRY), false);
    assert.equal(worthRetrying(refusal('922'), 1000, DEFAULT_RETRY), true);
    assert.equal(worthRetrying(refusal('909'), 0, DEFAULT_RETRY), false);
    assert.equal(worthReconnecting(refusal('912')), true, 'a server shutting down comes back');
    assert.equal(worthReconnecting(refusal('919')), true, 'an idle timeout');
    assert.equal(worthReconnecting(refusal('911')), false, 'a banned phrase');
    assert.equal(worthReconnecting(refusal('917')), false, 'flooding');
  });
});

/** A Reconnector on a fake clock, whose opens fail with `failures` in turn, then succeed. */
function loop(failures: NatterError[], options = {}) {
  const clock = new FakeClock(0);
  const retryClock: RetryClock = {
    now: () => clock.now(),
    setTimeout: (callback, ms) => clock.setTimeout(callback, ms),
    clearTimeout: (timer) => clock.clearTimeout(timer as Timer),
    random: () => 0.5,
  };
  const events: ChatEvent[] = [];
  let gaveUp: NatterError | undefined;
  let joined = 0;
  const reconnector = new Reconnector(
    { ...DEFAULT_RETRY, ...options },
    {
      open: async () => {
        const failure = failures.shift();
        if (failure) throw failure;
        return {} as ClientStream;
      },
      rejoin: async () => void joined++,
      event: (e) => events.push(e),
      giveUp: (reason) => (gaveUp = reason),
    },
    retryClock,
  );
  /** Moves the clock on, letting the attempts it starts finish. */
  const advance = async (ms: number) => {
    clock.advance(ms);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  const delays = () => events.map((e) => (e.type === 'reconnecting' ? e.delayMs : -1));
  return {
    reconnector,
    clock,
    events,
    advance,
    delays,
    gaveUp: () => gaveUp,
    joined: () => joined,
  };
}

describe('the reconnect loop (fake clock)', () => {
  it('tries after each delay until an attempt works', async () => {
    const l = loop([refused(), refused(), refused()]);
    l.reconnector.lost(refusal('912'));
    assert.deepEqual(l.delays(), [500]);
    await l.advance(499);
    assert.equal(l.events.length, 1, 'not before its time');
    await l.advance(1);
    await l.advance(1000);
    await l.advance(2000);
    assert.deepEqual(l.delays(), [500, 1000, 2000, 4000]);
    assert.equal(l.joined(), 0);
    await l.advance(4000);
    assert.equal(l.joined(), 1);
    assert.equal(l.clock.timers, 0, 'nothing more is scheduled');
    // A later loss starts from the first delay again.
    l.reconnector.lost(refused());
    assert.equal(l.delays().at(-1), 500);
  });

  it('retries a held nickname until refusalsForMs, then gives up with it', async () => {
    const held = Array.from({ length: 20 }, () => refusal('01'));
    const l = loop(held, { refusalsForMs: 3000 });
    l.reconnector.lost(refused());
    for (let i = 0; i < 200 && !l.gaveUp(); i++) await l.advance(100);
    assert.equal(l.gaveUp()?.code, '01');
    // Tried at 0.5 s, 1.5 s and 3.5 s after the loss: the last is past the 3 s.
    assert.deepEqual(l.delays(), [500, 1000, 2000]);
  });

  it('gives up at once on a refusal that lasts, and after maxAttempts', async () => {
    const invalid = loop([refusal('909')]);
    invalid.reconnector.lost(refused());
    await invalid.advance(500);
    assert.equal(invalid.gaveUp()?.code, '909');
    const few = loop([refused(), refused(), refused()], { maxAttempts: 2 });
    few.reconnector.lost(refusal('912'));
    await few.advance(500);
    await few.advance(1000);
    assert.equal(few.gaveUp()?.code, 'ECONNREFUSED');
    assert.deepEqual(few.delays(), [500, 1000]);
  });

  it('stop() cancels the attempt scheduled', async () => {
    const l = loop([]);
    l.reconnector.lost(refused());
    l.reconnector.stop();
    await l.advance(10_000);
    assert.equal(l.joined(), 0);
    assert.equal(l.clock.timers, 0);
  });
});
