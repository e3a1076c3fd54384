import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { DEADLINE_MS, RedisTime } from '../../src/cluster/redis-scripts.js';

/** Wall-clock ms as RedisTime reads it. */
const now = () => performance.timeOrigin + performance.now();

/**
 * A Redis whose clock runs `aheadMs` ahead of this one; TIME reads it when asked and answers
 * after `delays.shift()` ms (0 once they run out).
 */
function fakeRedis(aheadMs: number, delays: number[]): Redis {
  return {
    async time() {
      const ms = now() + aheadMs;
      await new Promise((resolve) => setTimeout(resolve, delays.shift() ?? 0));
      return [String(Math.floor(ms / 1000)), String(Math.round((ms % 1000) * 1000))];
    },
  } as unknown as Redis;
}

/** How far into Redis's future a deadline made now lies, beyond DEADLINE_MS. */
function slack(time: RedisTime, aheadMs: number): number {
  return Number(time.deadline()) - (now() + aheadMs) - DEADLINE_MS;
}

describe('RedisTime: deadlines in Redis’s clock (rule 9.8)', () => {
  it('follows Redis’s clock, never placing a deadline later than meant', async () => {
    const time = new RedisTime(fakeRedis(60_000, []));
    await time.measure();
    const s = slack(time, 60_000);
    assert.ok(s <= 0 && s > -200, `a deadline ${s} ms off`);
  });

  it('a slow answer can only make deadlines earlier, and a quick one replaces it', async () => {
    // Every sample of the first measurement is slow (Redis busy at start): the best is used.
    const time = new RedisTime(fakeRedis(60_000, [300, 300, 300, 300, 300]));
    await time.measure();
    const early = slack(time, 60_000);
    assert.ok(early <= -290, `a slow sample counts its whole round trip: ${early} ms`);
    await time.measure(); // quick now
    assert.ok(slack(time, 60_000) > -200, 'the quick sample is taken');
  });

  it('once it has a quick sample, a slow one does not replace it', async () => {
    const delays: number[] = [];
    const time = new RedisTime(fakeRedis(60_000, delays));
    await time.measure();
    delays.push(300, 300, 300, 300, 300);
    await time.measure();
    assert.ok(slack(time, 60_000) > -200, 'still the quick one');
  });
});
