/**
 * The result of a benchmark and the statistics behind it: the workers' counts and histograms
 * merged into one summary.
 */
import { Histogram } from './histogram.js';
import { TCP, wireName, type Numbering, type Wire, type WorkerStats } from './plan.js';

export interface BenchResult {
  scenario: {
    /** tcp, tls, ws, wss or socketio (plan.ts, `wireName`). */
    wire: string;
    clients: number;
    senders: number;
    rate: number;
    msgSize: number;
    window: number;
    batch: number;
    durationMs: number;
    idle: number;
  };
  /** Deliveries per second inside the measurement window, over all receivers. */
  deliveriesPerSec: number;
  /** Chats per second accepted from the senders (sent / measured time). */
  sendRate: number;
  sent: number;
  received: number;
  lost: number;
  outOfOrder: number;
  disconnects: number;
  latencyMs: {
    p50: number;
    p90: number;
    p99: number;
    p999: number;
    max: number;
    samples: number;
  };
  connectMs: { p50: number; p99: number; max: number; totalSec: number };
  server?: {
    cpuPercent?: number;
    rssMiB?: number;
    rssPerConnectionKiB?: number;
    /** Growth of the V8 heap in use per connection, when the server reports it (`/metrics`). */
    heapPerConnectionKiB?: number;
  };
  failures: string[];
  /** The capabilities the clients asked for (`--caps`) and what the server granted them. */
  caps?: { asked: string[]; granted: string[] };
  /**
   * With the history capability asked for: the deliveries that carried `seq` and `ts`, those
   * that did not, and what their seqs say of the order and of losses (plan.ts, Numbering).
   */
  numbering?: Numbering;
}

/** The settings of a run that its result reports or depends on (a subset of BenchOptions). */
export interface RunSettings {
  wire?: Wire;
  rate: number;
  msgSize: number;
  window: number;
  batch?: number;
  durationMs: number;
  warmupMs: number;
}

/** What the coordinator measured itself while the workers ran. */
export interface Measured {
  clients: number;
  senders: number;
  connectTimes: Histogram;
  joinSeconds: number;
  server: BenchResult['server'];
  failures: string[];
  caps?: { asked: string[]; granted: string[] };
}

/** The result of an idle run: only joining and the server's memory were measured. */
export function idleResult(options: RunSettings, idle: number, m: Measured): BenchResult {
  return {
    scenario: scenario(options, m.clients, m.senders, idle),
    deliveriesPerSec: 0,
    sendRate: 0,
    sent: 0,
    received: 0,
    lost: 0,
    outOfOrder: 0,
    disconnects: 0,
    latencyMs: { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, samples: 0 },
    connectMs: connectSummary(m.connectTimes, m.joinSeconds),
    server: m.server,
    failures: m.failures,
    ...(m.caps ? { caps: m.caps } : {}),
  };
}

/** Merges the workers' statistics and what every sender sent into the result of a chat run. */
export function summarise(
  options: RunSettings,
  sent: number[],
  stats: WorkerStats[],
  m: Measured,
): BenchResult {
  const latency = new Histogram();
  let deliveries = 0;
  let received = 0;
  let lost = 0;
  let outOfOrder = 0;
  let disconnects = 0;
  let numbering: Numbering | undefined;
  for (const s of stats) {
    if (s.numbering) {
      numbering ??= { numbered: 0, unnumbered: 0, seqOutOfOrder: 0, seqSkipped: 0 };
      numbering.numbered += s.numbering.numbered;
      numbering.unnumbered += s.numbering.unnumbered;
      numbering.seqOutOfOrder += s.numbering.seqOutOfOrder;
      numbering.seqSkipped += s.numbering.seqSkipped;
    }
    const h = new Histogram(s.latency);
    h.max = s.latencyMax;
    latency.merge(h);
    deliveries += s.deliveriesInWindow;
    received += s.received;
    lost += s.lost;
    outOfOrder += s.outOfOrder;
    disconnects += s.disconnects;
  }
  const totalSent = sent.reduce((a, b) => a + b, 0);
  const seconds = options.durationMs / 1000;
  const ms = (us: number) => round(us / 1000, 3);
  const server = m.server;
  return {
    scenario: scenario(options, m.clients, m.senders, 0),
    deliveriesPerSec: Math.round(deliveries / seconds),
    sendRate: Math.round(totalSent / ((options.durationMs + options.warmupMs) / 1000)),
    sent: totalSent,
    received,
    lost,
    outOfOrder,
    disconnects,
    latencyMs: {
      p50: ms(latency.quantile(0.5)),
      p90: ms(latency.quantile(0.9)),
      p99: ms(latency.quantile(0.99)),
      p999: ms(latency.quantile(0.999)),
      max: ms(latency.max),
      samples: latency.count,
    },
    connectMs: connectSummary(m.connectTimes, m.joinSeconds),
    ...(server && Object.keys(server).length > 0 ? { server } : {}),
    failures: m.failures,
    ...(m.caps ? { caps: m.caps } : {}),
    ...(numbering ? { numbering } : {}),
  };
}

function scenario(
  options: RunSettings,
  clients: number,
  senders: number,
  idle: number,
): BenchResult['scenario'] {
  return {
    wire: wireName(options.wire ?? TCP),
    clients,
    senders,
    rate: options.rate,
    msgSize: options.msgSize,
    window: options.window,
    batch: options.batch ?? 0,
    durationMs: options.durationMs,
    idle,
  };
}

function connectSummary(h: Histogram, totalSec: number): BenchResult['connectMs'] {
  return {
    p50: round(h.quantile(0.5) / 1000, 3),
    p99: round(h.quantile(0.99) / 1000, 3),
    max: round(h.max / 1000, 3),
    totalSec: round(totalSec, 2),
  };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
