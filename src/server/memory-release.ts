import { performance } from 'node:perf_hooks';
import type { Clock, Timer } from './clock.js';
import { memoryAddon, memoryAddonUnavailable } from './native.js';

/**
 * What memory release reads and does: the process's resident set and heap, how busy the event
 * loop has been since the last look, and the release itself (the memory addon's).
 */
export interface MemoryProbe {
  /** Resident set size, in bytes. */
  rss(): number;
  /** Bytes of the V8 heap in use. */
  heapUsed(): number;
  /** The event loop's utilization (0 to 1) since the previous call. */
  busy(): number;
  /** Gives free memory back; with `collect`, full V8 collections first (a pause). */
  release(collect: boolean): void;
  /**
   * Bytes known to be garbage in pages already resident, so that the resident set does not
   * show them: the sockets of the clients parked now (src/transport/parking.ts). Only its
   * growth since the last release counts, so clients parked and woken again and again do not.
   */
  parked?(): number;
}

export interface MemoryReleaseOptions {
  /** How often to look, in milliseconds. */
  everyMs: number;
  /**
   * Growth over the resident set's low-water mark worth giving back: this many bytes, or this
   * fraction of the mark when that is more (a big server releases only after a big burst).
   */
  growthBytes: number;
  growthRatio: number;
  /**
   * Growth of {@link MemoryProbe.parked} worth a release by itself: that garbage lies in pages
   * already resident, so the resident set does not show it.
   */
  garbageBytes: number;
  /** The event loop counts as idle below this utilization... */
  idleBelow: number;
  /** ...for this many looks in a row. */
  idleLooks: number;
  /**
   * The V8 collection runs only while the heap in use is at most this big: its pause grows with
   * the heap (about 60 ms for 34 MB, 250 ms for 150 MB, 750 ms for 570 MB on the benchmark
   * machine). Above it, only the allocator is trimmed, and V8 shrinks the heap in its own time.
   */
  maxCollectBytes: number;
  /** A release slower than this doubles the growth it waits for next time (up to 8 times). */
  slowMs: number;
}

export const MEMORY_RELEASE_DEFAULTS: Readonly<MemoryReleaseOptions> = Object.freeze({
  // A look costs a few microseconds: often enough that a burst's memory goes back within
  // seconds of it (a join storm grows V8's young generation by 2 KiB or so per member, which
  // only the release gives back).
  everyMs: 1000,
  growthBytes: 32 * 1024 * 1024,
  growthRatio: 0.25,
  garbageBytes: 8 * 1024 * 1024,
  idleBelow: 0.03,
  idleLooks: 2,
  maxCollectBytes: 128 * 1024 * 1024,
  slowMs: 100,
});

/** Releases by any instance in this process: the resident set is the whole process's. */
let releasesInProcess = 0;

/** One release: the resident set before and after, and how long the process paused. */
export interface Released {
  before: number;
  after: number;
  ms: number;
  collected: boolean;
}

/**
 * Gives memory back to the system after a burst. A burst of connections, floods or large frames
 * grows the V8 heap and the C allocator's arenas, and neither shrinks by itself while the process
 * is quiet, so the resident set would stay at its peak. Every `everyMs`, when the resident set
 * has grown past its low-water mark (see {@link MemoryReleaseOptions.growthBytes}) and the event
 * loop has been idle for `idleLooks` looks in a row, this runs one release: a full, compacting
 * collection while the heap is small enough for a short pause, and a trim of the allocator.
 * What is left afterwards is live, and becomes the new mark, so a server that simply holds more
 * members is not collected again and again.
 */
export class MemoryRelease {
  private timer: Timer | undefined;
  /** The lowest resident set seen since the last release (or start). */
  private lowWater = Infinity;
  private idleInARow = 0;
  /** Doubles after a slow release: the growth waited for is this many times the usual. */
  private backoff = 1;
  private seenReleases = releasesInProcess;
  /** What {@link MemoryProbe.parked} said at the last release. */
  private parkedAtRelease = 0;
  /** Releases so far. */
  readonly released: Released[] = [];

  constructor(
    private readonly probe: MemoryProbe,
    private readonly clock: Clock,
    private readonly options: MemoryReleaseOptions = MEMORY_RELEASE_DEFAULTS,
    private readonly onRelease: (released: Released) => void = () => undefined,
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
    if (this.seenReleases !== releasesInProcess) {
      // Another server in this process released: what is left is its new mark here too.
      this.seenReleases = releasesInProcess;
      this.lowWater = rss;
      this.parkedAtRelease = this.probe.parked?.() ?? 0;
    }
    this.lowWater = Math.min(this.lowWater, rss);
    const { growthBytes, growthRatio, garbageBytes, idleBelow, idleLooks } = this.options;
    const { maxCollectBytes, slowMs } = this.options;
    this.idleInARow = busy < idleBelow ? this.idleInARow + 1 : 0;
    const worth = Math.max(growthBytes, this.lowWater * growthRatio) * this.backoff;
    const garbage = (this.probe.parked?.() ?? 0) - this.parkedAtRelease;
    const grown = rss - this.lowWater >= worth || garbage >= garbageBytes * this.backoff;
    if (!grown || this.idleInARow < idleLooks) return;
    const collect = this.probe.heapUsed() <= maxCollectBytes;
    const started = this.clock.now();
    this.probe.release(collect);
    const ms = this.clock.now() - started;
    this.backoff = ms > slowMs ? Math.min(8, this.backoff * 2) : 1;
    const after = this.probe.rss();
    this.lowWater = after;
    this.parkedAtRelease = this.probe.parked?.() ?? 0;
    this.idleInARow = 0;
    this.seenReleases = ++releasesInProcess;
    const released = { before: rss, after, ms, collected: collect };
    this.released.push(released);
    this.onRelease(released);
  }
}

/** The probe of this process: its memory, the event loop's utilization, and `release`. */
export function processProbe(
  release: (collect: boolean) => void,
  parked?: () => number,
): MemoryProbe {
  let last = performance.eventLoopUtilization();
  return {
    rss: () => process.memoryUsage.rss(),
    heapUsed: () => process.memoryUsage().heapUsed,
    busy: () => {
      const now = performance.eventLoopUtilization();
      const { utilization } = performance.eventLoopUtilization(now, last);
      last = now;
      return utilization;
    },
    release,
    ...(parked ? { parked } : {}),
  };
}

/**
 * The memory release of this process, through the memory addon, or undefined where it is not
 * built (`log` says so); `log` hears of each release.
 */
export function memoryReleaseFor(
  clock: Clock,
  log: (line: string) => void,
  parked?: () => number,
): MemoryRelease | undefined {
  if (!memoryAddon) {
    log(`memory goes back to the system only when V8 decides to: ${memoryAddonUnavailable}`);
    return undefined;
  }
  const mib = (bytes: number) => Math.round(bytes / 1048576);
  return new MemoryRelease(
    processProbe(memoryAddon.releaseMemory, parked),
    clock,
    MEMORY_RELEASE_DEFAULTS,
    (r) =>
      log(
        `memory given back to the system: ${mib(r.before)} MiB resident, now ${mib(r.after)} MiB` +
          ` (${r.collected ? 'a collection and ' : ''}a trim, ${Math.round(r.ms)} ms)`,
      ),
  );
}
