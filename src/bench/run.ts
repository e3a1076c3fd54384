/**
 * `natter bench`: a load generator for any server that speaks the seed protocol. It joins N
 * clients to one room, lets S of them chat, and measures deliveries per second, latency, loss
 * and order at the receivers. The work is spread over worker threads so that the generator is
 * not the bottleneck.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { WorkerChannel } from './channel.js';
import { heapUsedBytes } from './heap.js';
import { Histogram } from './histogram.js';
import { nowMicros } from './payload.js';
import { TCP, type ClientPlan, type Target, type Wire, type WorkerPlan } from './plan.js';
import { CLOCK_TICKS, cpuTicks, rssKiB } from './proc.js';
import { idleResult, round, summarise, type BenchResult, type Measured } from './result.js';

export type { BenchResult } from './result.js';
export { formatResult } from './format.js';

export interface BenchOptions {
  /** Servers to spread the clients over (round robin); several for a cluster. */
  targets: Target[];
  /** What the clients speak, and over what (default: Natter's protocol on TCP). */
  wire?: Wire;
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
  /**
   * Capabilities every client asks for (rule 4.4); none: seed clients. With `history` the
   * receivers also read and check each delivery's `seq` and `ts` (receiver.ts).
   */
  caps?: readonly string[];
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

  const wire = options.wire ?? TCP;
  const rssBefore = options.serverPid ? rssKiB(options.serverPid) : undefined;
  // Over a WebSocket the port is the HTTP listener's, which may report the server's heap.
  const heapOf = () => heapUsedBytes(options.targets[0]!, wire);
  const heapBefore = idle > 0 && wire.websocket ? await heapOf() : undefined;
  const workers = Array.from({ length: workerCount }, (_, w) => {
    const plan: WorkerPlan = {
      worker: w,
      targets: options.targets,
      wire,
      clients: plans.filter((_, i) => i % workerCount === w),
      senders,
      msgSize: options.msgSize,
      rate: options.rate,
      window: options.window,
      batch: options.batch ?? Infinity,
      connectConcurrency: options.connectConcurrency ?? 512,
      connectTimeoutMs: 30_000,
      caps: options.caps,
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
    if (failures.length > 0) throw new BenchError(joinFailure(failures, clients, options.targets));

    const server: BenchResult['server'] = {};
    const granted = options.caps ? (joined.find((j) => j.granted)?.granted ?? []) : undefined;
    const measured: Measured = {
      clients,
      senders,
      connectTimes,
      joinSeconds,
      server,
      failures,
      ...(options.caps ? { caps: { asked: [...options.caps], granted: granted ?? [] } } : {}),
    };
    if (idle > 0) {
      // Let the server settle, then weigh it.
      await new Promise((resolve) => setTimeout(resolve, Math.max(1000, options.durationMs)));
      if (options.serverPid && rssBefore !== undefined) {
        const rssAfter = rssKiB(options.serverPid);
        server.rssMiB = round(rssAfter / 1024, 1);
        server.rssPerConnectionKiB = round((rssAfter - rssBefore) / idle, 2);
      }
      const heapAfter = heapBefore === undefined ? undefined : await heapOf();
      if (heapBefore !== undefined && heapAfter !== undefined)
        server.heapPerConnectionKiB = round((heapAfter - heapBefore) / 1024 / idle, 2);
      return idleResult(options, idle, measured);
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
    return summarise(options, sent, done, measured);
  } finally {
    for (const w of workers) w.close();
  }
}

function isLoopbackV4(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.');
}

/** A run that could not go ahead, told in a sentence that says what to do. */
export class BenchError extends Error {
  override name = 'BenchError';
}

/** Why clients could not join, in a sentence: what to do, or the first failure. */
function joinFailure(
  failures: string[],
  clients: number,
  targets: readonly { host: string; port: number }[],
): string {
  if (failures.some((f) => f.includes('room full'))) {
    return (
      `the room is full: start the server with --max-users ${clients} or more for ` +
      `${clients} clients (the default room holds 10)`
    );
  }
  if (failures.some((f) => f.includes('ECONNREFUSED'))) {
    const where = targets.map((t) => `${t.host}:${t.port}`).join(', ');
    return `nothing is listening on ${where}: start the server (npm start), or give its --host and --port`;
  }
  const first = failures[0]!.replace(/^Error: /, '');
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
  return `clients could not join: ${first}${more}`;
}
