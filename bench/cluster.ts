/**
 * The cluster rows of `npm run bench`: the same chat through 1, 2 and 3 nodes on the local Redis
 * (clients spread over the nodes), next to one node without Redis.
 *
 * With `history`, each build that keeps history runs with history off, on (seed clients) and on
 * with history clients, in turn run by run (scenarios.ts, HISTORY_MODES); on Redis a room's
 * history is a stream, whose memory per kept chat is read after each run (`MEMORY USAGE` of the
 * room's stream over its `XLEN`). Every run's keys are removed from Redis afterwards, by its own
 * prefix: the history's counter and stream would otherwise stay.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import type { BenchResult } from '../src/bench/run.js';
import { fixed, median, spread, thousands } from './figures.js';
import { HISTORY_TARGET, ratioText } from './history-rows.js';
import { benchOnce, cpuSeconds, freePort, redisPid, startServer, stop } from './processes.js';
import type { Build } from './processes.js';
import { GENERATOR, HISTORY_MODES, SCENARIOS, type HistoryMode } from './scenarios.js';

interface Load {
  /** The scenario it is (scenarios.ts), by which --scenarios chooses it. */
  scenario: string;
  name: string;
  args: string[];
  latency: boolean;
}

const LOADS: Load[] = [
  {
    scenario: 'S2',
    name: 'throughput (100 clients, 10 senders, max rate)',
    args: ['--clients', '100', '--senders', '10'],
    latency: false,
  },
  {
    scenario: 'S3m',
    name: 'throughput (1000 clients, 10 senders, max rate)',
    args: ['--clients', '1000', '--senders', '10'],
    latency: false,
  },
  {
    scenario: 'S4',
    name: 'latency (100 clients, 10 senders at 50 msgs/s)',
    args: ['--clients', '100', '--senders', '10', '--rate', '50'],
    latency: true,
  },
];

/** The loads run when --scenarios does not say. */
const DEFAULT_LOADS = new Set(['S2', 'S4']);

// The loads are the scenarios of the same names.
for (const load of LOADS) {
  const scenario = SCENARIOS.find((s) => s.name === load.scenario)!;
  if (scenario.args.join(' ') !== load.args.join(' '))
    throw new Error(`the cluster's ${load.scenario} is not the scenario's`);
}

/** One build's (and history mode's) series for one load and number of nodes. */
interface Series {
  build: Build;
  mode: HistoryMode | undefined;
  label: string;
  results: BenchResult[];
  /** Redis CPU µs per delivery, per chat; the nodes' CPU µs per delivery. */
  redisCpu: number[];
  redisPerChat: number[];
  nodeCpu: number[];
  /** With history on Redis: bytes of the room's stream per entry, and its entries. */
  streamBytes: number[];
  streamEntries: number[];
}

export interface ClusterOptions {
  builds: Build[];
  runs: number;
  duration: string;
  warmup: string;
  /** Each build that keeps history runs with it off and on (HISTORY_MODES). */
  history: boolean;
  /** The loads by scenario name (S2, S3m, S4); default S2 and S4. */
  loads?: ReadonlySet<string>;
  log: (l: string) => void;
}

/**
 * Reports throughput, latency, and the CPU that Redis and the nodes spend per delivered message.
 * With several builds (or history modes) they take turns run by run, and the table gains a
 * server column.
 */
export async function clusterBenchmarks(o: ClusterOptions): Promise<string[]> {
  const variants = o.builds.flatMap((build) =>
    (o.history && build.history ? HISTORY_MODES : [undefined]).map((mode) => ({
      build,
      mode,
      label: mode ? `${build.label} (${mode.name})` : build.label,
    })),
  );
  const withServer = variants.length > 1;
  const out = [
    '',
    `| cluster | nodes |${withServer ? ' server |' : ''} deliveries/s, or p50 ms | p99 ms | lost + out of order | Redis CPU µs per chat | Redis CPU µs per delivery | nodes CPU µs per delivery |`,
    `|---|---|${withServer ? '---|' : ''}---|---|---|---|---|---|`,
  ];
  const memory: string[] = [];
  const comparison: string[] = [];
  const redis = redisPid();
  const chosen = o.loads ?? DEFAULT_LOADS;
  for (const load of LOADS.filter((l) => chosen.has(l.scenario))) {
    for (const nodes of [0, 1, 2, 3]) {
      const series: Series[] = variants.map((v) => ({
        ...v,
        results: [],
        redisCpu: [],
        redisPerChat: [],
        nodeCpu: [],
        streamBytes: [],
        streamEntries: [],
      }));
      for (let i = 0; i < o.runs; i++) {
        for (const s of series) {
          const r = await runOnce(s, load, nodes, redis, o);
          const n = r.numbering;
          const numbered = n
            ? `, numbered ${n.numbered} (without ${n.unnumbered}, seq out of order ${n.seqOutOfOrder}, skipped ${n.seqSkipped})`
            : '';
          o.log(
            `cluster ${load.scenario} ${nodes} nodes${withServer ? ` ${s.label}` : ''} run ${i + 1}: ${r.deliveriesPerSec}/s p99 ${r.latencyMs.p99} ms, lost ${r.lost}${numbered}`,
          );
        }
      }
      const label = nodes === 0 ? 'one node, no Redis' : `${nodes} on Redis`;
      if (!load.latency) comparison.push(...historyRatios(series, load, nodes, label));
      for (const s of series) {
        const { results } = s;
        const lost = results.reduce(
          (n, x) => n + x.lost + x.outOfOrder + (x.numbering?.seqOutOfOrder ?? 0),
          0,
        );
        const first = load.latency
          ? spread(
              results.map((x) => x.latencyMs.p50),
              fixed(2),
            )
          : spread(
              results.map((x) => x.deliveriesPerSec),
              thousands,
            );
        out.push(
          `| ${load.name} | ${label} |${withServer ? ` ${s.label} |` : ''} ${first} | ${spread(
            results.map((x) => x.latencyMs.p99),
            fixed(2),
          )} | ${lost} | ${nodes === 0 ? '-' : spread(s.redisPerChat, fixed(1))} | ${nodes === 0 ? '-' : spread(s.redisCpu, fixed(2))} | ${spread(s.nodeCpu, fixed(2))} |`,
        );
        if (s.streamBytes.length > 0)
          memory.push(
            `- ${load.scenario}, ${label}, ${s.label}: ${spread(s.streamBytes, fixed(1))} bytes per kept chat, the stream holding ${spread(s.streamEntries, thousands)} chats`,
          );
      }
    }
  }
  if (comparison.length > 0)
    out.push(
      '',
      `History on against off (issue 15: at least ${HISTORY_TARGET.toFixed(2)} of the deliveries/s), the ratio of the medians, and run by run (median (min-max)); Redis CPU µs per chat and nodes CPU µs per delivery, medians.`,
      '',
      '| load | nodes | server | on / off, seed clients | on / off, history clients | Redis CPU µs per chat: off / on / on, history clients | nodes CPU µs per delivery: off / on / on, history clients |',
      '|---|---|---|---|---|---|---|',
      ...comparison,
    );
  if (memory.length > 0)
    out.push(
      '',
      "Redis memory of a room's history: `MEMORY USAGE` (SAMPLES 0) of its stream over `XLEN`, after each run, median (min-max); 64-byte chats from 8-character nicknames.",
      '',
      ...memory,
    );
  return out;
}

/** The rows of the on / off table for one load and number of nodes, one per build. */
function historyRatios(
  series: readonly Series[],
  load: Load,
  nodes: number,
  label: string,
): string[] {
  const rows: string[] = [];
  for (const build of new Set(series.map((s) => s.build))) {
    const of = (i: number) => series.find((s) => s.build === build && s.mode === HISTORY_MODES[i]);
    const [off, on, clients] = [of(0), of(1), of(2)];
    if (!off || !on || !clients) continue;
    const rate = (s: Series) => s.results.map((r) => r.deliveriesPerSec);
    const cpu = (pick: (s: Series) => number[], digits: number) =>
      [off, on, clients]
        .map((s) => (pick(s).length > 0 ? fixed(digits)(median(pick(s))) : '-'))
        .join(' / ');
    rows.push(
      `| ${load.scenario} | ${label} | ${build.label} | ${ratioText(rate(on), rate(off))} | ${ratioText(rate(clients), rate(off))} | ${nodes === 0 ? '-' : cpu((s) => s.redisPerChat, 1)} | ${cpu((s) => s.nodeCpu, 3)} |`,
    );
  }
  return rows;
}

/** One run of a build on fresh nodes; adds its figures to the series and returns its result. */
async function runOnce(
  s: Series,
  load: Load,
  nodes: number,
  redis: number,
  o: ClusterOptions,
): Promise<BenchResult> {
  const prefix = `bench${Date.now().toString(36)}`;
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  try {
    for (let n = 0; n < Math.max(1, nodes); n++) {
      const port = await freePort();
      ports.push(port);
      const redisArgs =
        nodes === 0 ? [] : ['--redis', 'redis://127.0.0.1:6379', '--redis-prefix', prefix];
      children.push(
        await startServer('natter', port, [...redisArgs, ...(s.mode?.server ?? [])], s.build),
      );
    }
    const before = {
      redis: cpuSeconds(redis),
      nodes: children.map((c) => cpuSeconds(c.pid!)),
    };
    const r = await benchOnce([
      '--port',
      ports.join(','),
      '--duration',
      o.duration,
      '--warmup',
      o.warmup,
      ...GENERATOR.natter!,
      ...(s.mode?.clients ?? []),
      ...load.args,
    ]);
    const perDelivery = (seconds: number) => (seconds / Math.max(1, r.received)) * 1e6;
    const redisSeconds = cpuSeconds(redis) - before.redis;
    s.redisCpu.push(perDelivery(redisSeconds));
    s.redisPerChat.push((redisSeconds / Math.max(1, r.sent)) * 1e6);
    s.nodeCpu.push(
      perDelivery(children.reduce((sum, c, k) => sum + cpuSeconds(c.pid!) - before.nodes[k]!, 0)),
    );
    if (nodes > 0 && s.mode && s.mode.server.length === 0) {
      const stream = streamMemory(prefix);
      if (stream) {
        s.streamBytes.push(stream.bytes / stream.entries);
        s.streamEntries.push(stream.entries);
      }
    }
    s.results.push(r);
    return r;
  } finally {
    for (const child of children) await stop(child);
    if (nodes > 0) removeKeys(prefix);
  }
}

function redisCli(args: string[]): string {
  return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', ...args]).toString();
}

/** The keys of one run, by its prefix (the cluster's keys are `{prefix}:...`). */
function keysOf(prefix: string, rest = '*'): string[] {
  return redisCli(['--scan', '--pattern', `{${prefix}}:${rest}`])
    .split('\n')
    .filter((k) => k !== '');
}

/** The bytes and entries of the run's history streams (one room: one stream). */
function streamMemory(prefix: string): { bytes: number; entries: number } | undefined {
  let bytes = 0;
  let entries = 0;
  for (const key of keysOf(prefix, 'h:*')) {
    bytes += Number(redisCli(['memory', 'usage', key, 'samples', '0']).trim());
    entries += Number(redisCli(['xlen', key]).trim());
  }
  return entries > 0 ? { bytes, entries } : undefined;
}

/** Removes every key of one run's prefix from the shared Redis (UNLINK, a hundred at a time). */
function removeKeys(prefix: string): void {
  const keys = keysOf(prefix);
  for (let i = 0; i < keys.length; i += 100) redisCli(['unlink', ...keys.slice(i, i + 100)]);
}
