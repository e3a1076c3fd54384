import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryAddon, memoryAddonUnavailable } from '../../src/server/native.js';
import { MemoryRelease, type MemoryProbe, type Released } from '../../src/server/memory-release.js';
import { FakeClock } from '../fake-clock.js';

const MiB = 1024 * 1024;
const options = {
  everyMs: 5000,
  growthBytes: 32 * MiB,
  growthRatio: 0.25,
  garbageBytes: 8 * MiB,
  idleBelow: 0.03,
  idleLooks: 2,
  maxCollectBytes: 128 * MiB,
  slowMs: 100,
};

/** A process whose memory and load the test sets; a release frees what `freeable` says. */
class FakeProcess implements MemoryProbe {
  resident = 60 * MiB;
  heap = 20 * MiB;
  load = 0;
  freeable = 0;
  /** How long a release pauses, on the fake clock. */
  pauseMs = 20;
  releases: boolean[] = [];
  /** Bytes of the sockets parked now. */
  parkedBytes = 0;
  constructor(private readonly clock: FakeClock) {}
  parked = () => this.parkedBytes;
  rss = () => this.resident;
  heapUsed = () => this.heap;
  busy = () => this.load;
  release = (collect: boolean) => {
    this.releases.push(collect);
    this.resident -= this.freeable;
    this.freeable = 0;
    this.clock.advance(this.pauseMs);
  };
}

function setUp() {
  const clock = new FakeClock();
  const proc = new FakeProcess(clock);
  const seen: Released[] = [];
  const release = new MemoryRelease(proc, clock, options, (r) => seen.push(r));
  release.start();
  return { clock, proc, release, seen };
}

describe('memory release', () => {
  it('gives memory back once the resident set has grown and the server has been idle', () => {
    const { clock, proc, seen } = setUp();
    proc.load = 0.5;
    clock.advance(5000); // the low-water mark: 60 MiB
    proc.load = 0;
    proc.resident = 140 * MiB;
    proc.freeable = 75 * MiB;
    clock.advance(5000);
    assert.equal(proc.releases.length, 0, 'idle for one look only');
    clock.advance(5000);
    assert.deepEqual(proc.releases, [true]);
    assert.deepEqual(seen, [{ before: 140 * MiB, after: 65 * MiB, ms: 20, collected: true }]);
  });

  it('releases for the sockets parked since the last release, which the resident set hides', () => {
    const { clock, proc } = setUp();
    clock.advance(5000); // the low-water mark: 60 MiB
    proc.parkedBytes = 6 * MiB;
    clock.advance(10_000);
    assert.equal(proc.releases.length, 0, 'not worth it yet');
    proc.parkedBytes = 9 * MiB;
    proc.load = 0.5;
    clock.advance(5000);
    assert.equal(proc.releases.length, 0, 'not while busy');
    proc.load = 0;
    clock.advance(5000);
    assert.equal(proc.releases.length, 0, 'idle for one look only');
    clock.advance(5000);
    assert.deepEqual(proc.releases, [true]);
    // Clients woken and parked again, as many as before: nothing new to give back.
    proc.parkedBytes = 4 * MiB;
    clock.advance(20_000);
    proc.parkedBytes = 9 * MiB;
    clock.advance(20_000);
    assert.equal(proc.releases.length, 1, 'the parked sockets were given back already');
    proc.parkedBytes = 18 * MiB;
    clock.advance(10_000);
    assert.equal(proc.releases.length, 2, 'another 9 MiB parked');
  });

  it('waits while the event loop is busy, then releases once it has been idle', () => {
    const { clock, proc } = setUp();
    clock.advance(5000);
    proc.resident = 200 * MiB;
    proc.load = 0.2;
    clock.advance(30_000);
    assert.equal(proc.releases.length, 0, 'no full collection under load');
    proc.load = 0.01;
    clock.advance(10_000);
    assert.equal(proc.releases.length, 1);
  });

  it('leaves small growth alone', () => {
    const { clock, proc } = setUp();
    clock.advance(5000);
    proc.resident = 80 * MiB; // 20 MiB over the mark
    clock.advance(60_000);
    assert.equal(proc.releases.length, 0);
  });

  it('takes what is left after a release as live: no release again until it grows again', () => {
    const { clock, proc } = setUp();
    clock.advance(5000);
    proc.resident = 300 * MiB; // 10,000 members joined and stay
    proc.freeable = 10 * MiB;
    clock.advance(10_000);
    assert.equal(proc.releases.length, 1);
    clock.advance(60_000);
    assert.equal(proc.releases.length, 1, 'the 290 MiB left is live');
    proc.resident += 80 * MiB; // a quarter of the 290 MiB mark is 72.5 MiB
    clock.advance(10_000);
    assert.equal(proc.releases.length, 2);
  });

  it('on a big server, waits for growth in proportion to it', () => {
    const { clock, proc } = setUp();
    proc.resident = 2048 * MiB;
    clock.advance(5000);
    proc.resident += 400 * MiB; // under a quarter of 2 GiB
    clock.advance(60_000);
    assert.equal(proc.releases.length, 0);
    proc.resident += 200 * MiB;
    clock.advance(10_000);
    assert.equal(proc.releases.length, 1);
  });

  it('collects only a heap small enough for a short pause; a big one is only trimmed', () => {
    const { clock, proc } = setUp();
    clock.advance(5000);
    proc.resident = 800 * MiB;
    proc.heap = 500 * MiB;
    clock.advance(10_000);
    assert.deepEqual(proc.releases, [false]);
  });

  it('after a slow release, waits for twice the growth', () => {
    const { clock, proc } = setUp();
    clock.advance(5000);
    proc.pauseMs = 300;
    proc.resident = 100 * MiB;
    proc.freeable = 40 * MiB;
    clock.advance(10_000);
    assert.equal(proc.releases.length, 1);
    proc.resident += 40 * MiB; // over 32 MiB, under 64
    clock.advance(60_000);
    assert.equal(proc.releases.length, 1, 'backed off');
    proc.resident += 30 * MiB;
    clock.advance(10_000);
    assert.equal(proc.releases.length, 2);
  });

  it('stops looking when stopped', () => {
    const { clock, proc, release } = setUp();
    release.stop();
    proc.resident = 500 * MiB;
    clock.advance(60_000);
    assert.equal(proc.releases.length, 0);
  });

  it('the memory addon runs and gives back a dropped heap', (t) => {
    if (!memoryAddon) {
      if (process.env.CI === 'true')
        assert.fail(`the memory addon must be built in CI: ${memoryAddonUnavailable}`);
      return t.skip(`memory addon not loaded: ${memoryAddonUnavailable}`);
    }
    let garbage: unknown[] | undefined = Array.from({ length: 300_000 }, (_, i) => ({
      i,
      s: `x${i}`,
    }));
    assert.equal(garbage.length, 300_000);
    garbage = undefined;
    const before = process.memoryUsage().heapUsed;
    memoryAddon.releaseMemory(true);
    const after = process.memoryUsage().heapUsed;
    assert.ok(after < before, `heap used ${before} -> ${after}`);
    memoryAddon.releaseMemory(false); // a trim alone
  });
});
