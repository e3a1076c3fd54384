import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { native } from '../../src/server/native.js';
import { MemoryRelease, type MemoryProbe } from '../../src/server/memory-release.js';
import { FakeClock } from '../fake-clock.js';

const MiB = 1024 * 1024;
const options = { everyMs: 5000, growthBytes: 32 * MiB, growthRatio: 0.25, idleBelow: 0.1 };

/** A process whose resident set and load the test sets; a release frees what `freeable` says. */
class FakeProcess implements MemoryProbe {
  resident = 60 * MiB;
  load = 0;
  freeable = 0;
  releases = 0;
  rss = () => this.resident;
  busy = () => this.load;
  release = () => {
    this.releases++;
    this.resident -= this.freeable;
    this.freeable = 0;
  };
}

function setUp() {
  const clock = new FakeClock();
  const proc = new FakeProcess();
  const lines: string[] = [];
  const release = new MemoryRelease(proc, clock, options, (a, b) => lines.push(`${a} ${b}`));
  release.start();
  return { clock, proc, release, lines };
}

describe('memory release', () => {
  it('gives memory back once the resident set has grown and the server is idle', () => {
    const { clock, proc, release, lines } = setUp();
    clock.advance(5000); // the low-water mark: 60 MiB
    proc.resident = 140 * MiB;
    proc.freeable = 75 * MiB;
    clock.advance(5000);
    assert.equal(proc.releases, 1);
    assert.deepEqual(release.released, [{ before: 140 * MiB, after: 65 * MiB }]);
    assert.equal(lines.length, 1);
  });

  it('waits while the event loop is busy, then releases when it is idle', () => {
    const { clock, proc } = setUp();
    clock.advance(5000);
    proc.resident = 200 * MiB;
    proc.load = 0.6;
    clock.advance(30_000);
    assert.equal(proc.releases, 0, 'no full collection under load');
    proc.load = 0.02;
    clock.advance(5000);
    assert.equal(proc.releases, 1);
  });

  it('leaves small growth alone', () => {
    const { clock, proc } = setUp();
    clock.advance(5000);
    proc.resident = 80 * MiB; // 20 MiB over the mark
    clock.advance(60_000);
    assert.equal(proc.releases, 0);
  });

  it('takes what is left after a release as live: no release again until it grows again', () => {
    const { clock, proc } = setUp();
    clock.advance(5000);
    proc.resident = 300 * MiB; // 10,000 members joined and stay
    proc.freeable = 10 * MiB;
    clock.advance(5000);
    assert.equal(proc.releases, 1);
    clock.advance(60_000);
    assert.equal(proc.releases, 1, 'the 290 MiB left is live');
    proc.resident += 80 * MiB; // a quarter of the 290 MiB mark is 72.5 MiB
    clock.advance(5000);
    assert.equal(proc.releases, 2);
  });

  it('on a big server, waits for growth in proportion to it (a release pauses longer there)', () => {
    const { clock, proc } = setUp();
    proc.resident = 2048 * MiB;
    clock.advance(5000);
    proc.resident += 400 * MiB; // under a quarter of 2 GiB
    clock.advance(60_000);
    assert.equal(proc.releases, 0);
    proc.resident += 200 * MiB;
    clock.advance(5000);
    assert.equal(proc.releases, 1);
  });

  it('stops looking when stopped', () => {
    const { clock, proc, release } = setUp();
    release.stop();
    proc.resident = 500 * MiB;
    clock.advance(60_000);
    assert.equal(proc.releases, 0);
  });

  it('the native release runs and gives back a dropped heap', (t) => {
    if (!native) {
      if (process.env.CI === 'true') assert.fail('the native addon must be built in CI');
      return t.skip('native addon not built (npm install builds it)');
    }
    let garbage: unknown[] | undefined = Array.from({ length: 300_000 }, (_, i) => ({
      i,
      s: `x${i}`,
    }));
    assert.equal(garbage.length, 300_000);
    garbage = undefined;
    const before = process.memoryUsage().heapUsed;
    native.releaseMemory();
    const after = process.memoryUsage().heapUsed;
    assert.ok(after < before, `heap used ${before} -> ${after}`);
  });
});
