import { performance } from 'node:perf_hooks';
import type { Clock, Timer } from './clock.js';

/**
 * What memory release reads and does: the process's resident set, how busy the event loop has
 * been since the last look, and the release itself (the native addon's `releaseMemory`).
 */
export interface MemoryProbe {
  /** Resident set size, in bytes. */
  rss(): number;
  /** The event loop's utilization (0 to 1) since the previous call. */
  busy(): number;
  /** Gives free memory back to the system; takes a full collection's time. */
  release(): void;
}

export interface MemoryReleaseOptions {
  /** How often to look, in milliseconds. */
  everyMs: number;
  /**
   * Growth over the resident set's low-water mark worth giving back: this many bytes, or this
   * fraction of the mark when that is more (a release is a full collection, whose pause grows
   * with the heap: a big server releases only after a big burst).
   */
  growthBytes: number;
  growthRatio: number;
  /** The event loop counts as idle below this utilization. */
  idleBelow: number;
}

export const MEMORY_RELEASE_DEFAULTS: Readonly<MemoryReleaseOptions> = Object.freeze({
  everyMs: 5000,
  growthBytes: 32 * 1024 * 1024,
  growthRatio: 0.25,
  idleBelow: 0.1,
});

/**
 * Gives memory back to the system after a burst. A burst of connections, floods or large frames
 * grows the V8 heap and the C allocator's arenas, and neither shrinks by itself while the process
 * is quiet, so the resident set would stay at its peak. Every
 * `everyMs`, when the resident set has grown `growthBytes` past its low-water mark and the event
 * loop has been idle, this runs one release (a full, compacting collection and a trim of the
 * allocator). What is left afterwards is live, and becomes the new mark, so a server that simply
 * holds more members is not collected again and again.
 */
export class MemoryRelease {
  private timer: Timer | undefined;
  /** The lowest resident set seen since the last release (or start). */
  private lowWater = Infinity;
  /** Releases so far, with what each gave back. */
  readonly released: { before: number; after: number }[] = [];

  constructor(
    private readonly probe: MemoryProbe,
    private readonly clock: Clock,
    private readonly options: MemoryReleaseOptions = MEMORY_RELEASE_DEFAULTS,
    private readonly onRelease: (before: number, after: number) => void = () => undefined,
  ) {}

  start(): void {
    this.probe.busy();
    this.timer ??= this.clock.setInterval(() => this.check(), this.options.everyMs).unref();
  }

  stop(): void {
    this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look: release when grown and idle. */
  check(): void {
    const rss = this.probe.rss();
    const busy = this.probe.busy();
    this.lowWater = Math.min(this.lowWater, rss);
    const { growthBytes, growthRatio, idleBelow } = this.options;
    const worth = Math.max(growthBytes, this.lowWater * growthRatio);
    if (rss - this.lowWater < worth || busy >= idleBelow) return;
    this.probe.release();
    const after = this.probe.rss();
    this.lowWater = after;
    this.released.push({ before: rss, after });
    this.onRelease(rss, after);
  }
}

/** The probe of this process: `process.memoryUsage.rss`, the event loop's utilization, `release`. */
export function processProbe(release: () => void): MemoryProbe {
  let last = performance.eventLoopUtilization();
  return {
    rss: () => process.memoryUsage.rss(),
    busy: () => {
      const now = performance.eventLoopUtilization();
      const { utilization } = performance.eventLoopUtilization(now, last);
      last = now;
      return utilization;
    },
    release,
  };
}

/**
 * The memory release of this process, through `release` (the native addon's), or undefined
 * where there is none; `log` hears of each release.
 */
export function memoryReleaseFor(
  release: (() => void) | undefined,
  clock: Clock,
  log: (line: string) => void,
): MemoryRelease | undefined {
  if (!release) return undefined;
  const mib = (bytes: number) => Math.round(bytes / 1048576);
  return new MemoryRelease(processProbe(release), clock, MEMORY_RELEASE_DEFAULTS, (before, after) =>
    log(`memory given back to the system: ${mib(before)} MiB resident, now ${mib(after)} MiB`),
  );
}
