/**
 * `natter bench`: a load generator for any server that speaks the seed protocol. It joins N
 * clients to one room, lets S of them chat, and measures deliveries per second, latency, loss
 * and order at the receivers. The work is spread over worker threads so that the generator is
 * not the bottleneck.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Histogram } from './histogram.js';
import { nowMicros } from './payload.js';
import type { ClientPlan, FromWorker, Target, ToWorker, WorkerPlan, WorkerStats } from './plan.js';

export interface BenchOptions {
  /** Servers to spread the clients over (round robin); several for a cluster. */
  targets: Target[];
  clients: number;
  senders: number;
  /** Chats per second per sender; 0 for as fast as the window allows. */
  rate: number;
  /** Measured time, in milliseconds, after the warm-up. */
  durationMs: number;
  warmupMs: number;
  /** Bytes of each chat's text. */
  msgSize: number;
  /** In-flight chats per sender at rate 0. */
  window: number;
  /** Most chats per write (default: no limit); 1 writes each on its own. */
  batch?: number;
  /** Worker threads; default: one per available core. */
  workers?: number;
  /** Open this many idle registered connections instead of chatting (memory per connection). */
  idle?: number;
  /** The server's process id, to report its CPU time and memory (Linux /proc). */
  serverPid?: number;
  /** Bind clients to 127.0.0.2-251 when the target is on loopback (default true). */
  spreadSources?: boolean;
  connectConcurrency?: number;
  /** Nickname prefix; nicknames are the prefix and a fixed-width number. */
  prefix?: string;
}

export interface BenchResult {
  scenario: {
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
  latencyMs: { p50: number; p90: number; p99: number; max: number; samples: number };
  connectMs: { p50: number; p99: number; max: number; totalSec: number };
  server?: { cpuPercent?: number; rssMiB?: number; rssPerConnectionKiB?: number };
  failures: string[];
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

/** Runs one benchmark. */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const idle = options.idle ?? 0;
  const clients = idle > 0 ? idle : options.clients;
  const senders = idle > 0 ? 0 : Math.min(options.senders, clients);
  const workerCount = Math.max(
    1,
    Math.min(options.workers ?? availableParallelism(), Math.floor(clients / 2) || 1),
  );
  const prefix =
    options.prefix ??
    `b${Math.floor(Math.random() * 36 ** 2)
      .toString(36)
      .padStart(2, '0')}`;
  const spread = options.spreadSources ?? true;

  // Senders are spread evenly over the clients, so every worker gets its share.
  const senderOf = new Map<number, number>();
  for (let s = 0; s < senders; s++) senderOf.set(Math.floor((s * clients) / senders), s);
  const plans: ClientPlan[] = Array.from({ length: clients }, (_, index) => {
    const target = index % options.targets.length;
    const host = options.targets[target]!.host;
    return {
      index,
      nickname: `${prefix}${String(index).padStart(5, '0')}`,
      localAddress: spread && isLoopbackV4(host) ? `127.0.0.${2 + (index % 250)}` : undefined,
      sender: senderOf.get(index) ?? -1,
      target,
    };
  });

  const rssBefore = options.serverPid ? rssKiB(options.serverPid) : undefined;
  const workers = Array.from({ length: workerCount }, (_, w) => {
    const plan: WorkerPlan = {
      worker: w,
      targets: options.targets,
      clients: plans.filter((_, i) => i % workerCount === w),
      senders,
      msgSize: options.msgSize,
      rate: options.rate,
      window: options.window,
      batch: options.batch ?? Infinity,
      connectConcurrency: options.connectConcurrency ?? 512,
      connectTimeoutMs: 30_000,
    };
    return new WorkerChannel(new Worker(WORKER_URL, { workerData: plan }));
  });

  try {
    const joinStart = nowMicros();
    const joined = await Promise.all(workers.map((w) => w.next('joined')));
    const joinSeconds = (nowMicros() - joinStart) / 1e6;
    const connectTimes = new Histogram();
    const failures: string[] = [];
    for (const j of joined) {
      for (const us of j.connectMicros) connectTimes.record(us);
      failures.push(...j.failures);
    }
    if (failures.length > 0)
      throw new Error(`clients failed to join: ${failures.slice(0, 3).join('; ')}`);

    const server: BenchResult['server'] = {};
    if (idle > 0) {
      // Let the server settle, then weigh it.
      await new Promise((resolve) => setTimeout(resolve, Math.max(1000, options.durationMs)));
      if (options.serverPid && rssBefore !== undefined) {
        const rssAfter = rssKiB(options.serverPid);
        server.rssMiB = round(rssAfter / 1024, 1);
        server.rssPerConnectionKiB = round((rssAfter - rssBefore) / idle, 2);
      }
      return {
        scenario: scenario(options, clients, senders, idle),
        deliveriesPerSec: 0,
        sendRate: 0,
        sent: 0,
        received: 0,
        lost: 0,
        outOfOrder: 0,
        disconnects: 0,
        latencyMs: { p50: 0, p90: 0, p99: 0, max: 0, samples: 0 },
        connectMs: connectSummary(connectTimes, joinSeconds),
        server,
        failures,
      };
    }

    // Everyone has joined; the presence messages of the join are behind us after a short pause.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const start = nowMicros() + 20_000;
    const warmupEnd = start + options.warmupMs * 1000;
    const stop = warmupEnd + options.durationMs * 1000;
    for (const w of workers) w.send({ type: 'start', warmupEnd, stop });
    let cpuStart: number | undefined;
    const cpuTimer = setTimeout(
      () => (cpuStart = options.serverPid ? cpuTicks(options.serverPid) : undefined),
      Math.max(0, (warmupEnd - nowMicros()) / 1000),
    );
    const sentReports = await Promise.all(workers.map((w) => w.next('sent')));
    clearTimeout(cpuTimer);
    if (options.serverPid && cpuStart !== undefined) {
      const ticks = cpuTicks(options.serverPid) - cpuStart;
      server.cpuPercent = round((ticks / CLOCK_TICKS / (options.durationMs / 1000)) * 100, 1);
      server.rssMiB = round(rssKiB(options.serverPid) / 1024, 1);
    }
    const sent = new Array<number>(senders).fill(0);
    for (const report of sentReports) for (const [s, n] of report.sent) sent[s] = n;
    for (const w of workers) w.send({ type: 'expect', sent });
    const done = (await Promise.all(workers.map((w) => w.next('done')))).map((d) => d.stats);
    return summarise(
      options,
      clients,
      senders,
      sent,
      done,
      connectTimes,
      joinSeconds,
      server,
      failures,
    );
  } finally {
    for (const w of workers) w.close();
  }
}

function summarise(
  options: BenchOptions,
  clients: number,
  senders: number,
  sent: number[],
  stats: WorkerStats[],
  connectTimes: Histogram,
  joinSeconds: number,
  server: BenchResult['server'],
  failures: string[],
): BenchResult {
  const latency = new Histogram();
  let deliveries = 0;
  let received = 0;
  let lost = 0;
  let outOfOrder = 0;
  let disconnects = 0;
  for (const s of stats) {
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
  return {
    scenario: scenario(options, clients, senders, 0),
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
      max: ms(latency.max),
      samples: latency.count,
    },
    connectMs: connectSummary(connectTimes, joinSeconds),
    ...(server && Object.keys(server).length > 0 ? { server } : {}),
    failures,
  };
}

function scenario(
  options: BenchOptions,
  clients: number,
  senders: number,
  idle: number,
): BenchResult['scenario'] {
  return {
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

/** A human summary of a result. */
export function formatResult(r: BenchResult): string {
  const s = r.scenario;
  const lines: string[] = [];
  if (s.idle > 0) {
    lines.push(`${s.idle} idle registered connections, joined in ${r.connectMs.totalSec} s`);
  } else {
    const batching = s.batch > 0 ? `, ${s.batch} per write` : '';
    const rate =
      s.rate > 0 ? `${s.rate} msgs/s each${batching}` : `max rate (window ${s.window}${batching})`;
    lines.push(
      `${s.clients} clients, ${s.senders} senders at ${rate}, ${s.msgSize}-byte messages, ${s.durationMs / 1000} s`,
    );
    lines.push(`  deliveries/s  ${r.deliveriesPerSec.toLocaleString('en-US')}`);
    lines.push(`  send rate     ${r.sendRate.toLocaleString('en-US')} msgs/s (${r.sent} sent)`);
    lines.push(
      `  latency ms    p50 ${r.latencyMs.p50}  p90 ${r.latencyMs.p90}  p99 ${r.latencyMs.p99}  max ${r.latencyMs.max}`,
    );
    lines.push(`  lost ${r.lost}, out of order ${r.outOfOrder}, disconnected ${r.disconnects}`);
  }
  lines.push(
    `  connect ms    p50 ${r.connectMs.p50}  p99 ${r.connectMs.p99}  max ${r.connectMs.max}`,
  );
  if (r.server) {
    const parts = [];
    if (r.server.cpuPercent !== undefined) parts.push(`CPU ${r.server.cpuPercent}%`);
    if (r.server.rssMiB !== undefined) parts.push(`RSS ${r.server.rssMiB} MiB`);
    if (r.server.rssPerConnectionKiB !== undefined)
      parts.push(`${r.server.rssPerConnectionKiB} KiB per connection`);
    lines.push(`  server        ${parts.join(', ')}`);
  }
  return lines.join('\n');
}

// ---- Worker plumbing ----

type Reply<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

/** Messages from one worker, awaited by type; a worker error fails every wait. */
class WorkerChannel {
  private readonly inbox: FromWorker[] = [];
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(private readonly worker: Worker) {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'error') this.failure = new Error(m.message);
      else this.inbox.push(m);
      this.waiter?.();
    });
    worker.on('error', (err) => {
      this.failure = err;
      this.waiter?.();
    });
    worker.on('exit', (code) => {
      this.failure ??= new Error(`worker exited with ${code}`);
      this.waiter?.();
    });
  }

  async next<T extends FromWorker['type']>(type: T): Promise<Reply<T>> {
    for (;;) {
      const index = this.inbox.findIndex((m) => m.type === type);
      if (index >= 0) return this.inbox.splice(index, 1)[0] as Reply<T>;
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  close(): void {
    this.send({ type: 'close' });
    setTimeout(() => void this.worker.terminate(), 2000).unref();
  }
}

// ---- /proc ----

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime
}

function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? NaN);
}

function isLoopbackV4(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.');
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
