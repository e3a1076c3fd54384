/**
 * The cluster rows of `npm run bench`: the same chat through 1, 2 and 3 nodes on the local Redis
 * (clients spread over the nodes), next to one node in memory.
 */
import type { ChildProcess } from 'node:child_process';
import type { BenchResult } from '../src/bench/run.js';
import { fixed, spread, thousands } from './figures.js';
import { benchOnce, cpuSeconds, freePort, redisPid, startServer, stop } from './processes.js';
import type { Build } from './processes.js';
import { GENERATOR } from './scenarios.js';

const LOADS = [
  {
    name: 'throughput (100 clients, 10 senders, max rate)',
    args: ['--clients', '100', '--senders', '10'],
    latency: false,
  },
  {
    name: 'latency (100 clients, 10 senders at 50 msgs/s)',
    args: ['--clients', '100', '--senders', '10', '--rate', '50'],
    latency: true,
  },
];

type Load = (typeof LOADS)[number];

/** One build's series for one load and number of nodes. */
interface Series {
  build: Build;
  results: BenchResult[];
  /** Redis CPU µs per delivery, per chat; the nodes' CPU µs per delivery. */
  redisCpu: number[];
  redisPerChat: number[];
  nodeCpu: number[];
}

/**
 * Reports throughput, latency, and the CPU that Redis and the nodes spend per delivered message.
 * With several builds they take turns run by run, and the table gains a server column.
 */
export async function clusterBenchmarks(
  builds: Build[],
  runs: number,
  duration: string,
  warmup: string,
  log: (l: string) => void,
): Promise<string[]> {
  const withBuild = builds.length > 1;
  const out = [
    '',
    `| cluster | nodes |${withBuild ? ' server |' : ''} deliveries/s, or p50 ms | p99 ms | lost + out of order | Redis CPU µs per chat | Redis CPU µs per delivery | nodes CPU µs per delivery |`,
    `|---|---|${withBuild ? '---|' : ''}---|---|---|---|---|---|`,
  ];
  const redis = redisPid();
  for (const load of LOADS) {
    for (const nodes of [0, 1, 2, 3]) {
      const series: Series[] = builds.map((build) => ({
        build,
        results: [],
        redisCpu: [],
        redisPerChat: [],
        nodeCpu: [],
      }));
      for (let i = 0; i < runs; i++) {
        for (const s of series) {
          const r = await runOnce(s, load, nodes, redis, duration, warmup);
          log(
            `cluster ${load.latency ? 'latency' : 'throughput'} ${nodes} nodes${withBuild ? ` ${s.build.label}` : ''} run ${i + 1}: ${r.deliveriesPerSec}/s p99 ${r.latencyMs.p99} ms`,
          );
        }
      }
      const label = nodes === 0 ? 'one node, in memory' : `${nodes} on Redis`;
      for (const s of series) {
        const { results } = s;
        const lost = results.reduce((n, x) => n + x.lost + x.outOfOrder, 0);
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
          `| ${load.name} | ${label} |${withBuild ? ` ${s.build.label} |` : ''} ${first} | ${spread(
            results.map((x) => x.latencyMs.p99),
            fixed(2),
          )} | ${lost} | ${nodes === 0 ? '-' : spread(s.redisPerChat, fixed(1))} | ${nodes === 0 ? '-' : spread(s.redisCpu, fixed(2))} | ${spread(s.nodeCpu, fixed(2))} |`,
        );
      }
    }
  }
  return out;
}

/** One run of a build on fresh nodes; adds its figures to the series and returns its result. */
async function runOnce(
  s: Series,
  load: Load,
  nodes: number,
  redis: number,
  duration: string,
  warmup: string,
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
      children.push(await startServer('natter', port, redisArgs, s.build));
    }
    const before = {
      redis: cpuSeconds(redis),
      nodes: children.map((c) => cpuSeconds(c.pid!)),
    };
    const r = await benchOnce([
      '--port',
      ports.join(','),
      '--duration',
      duration,
      '--warmup',
      warmup,
      ...GENERATOR.natter!,
      ...load.args,
    ]);
    const perDelivery = (seconds: number) => (seconds / Math.max(1, r.received)) * 1e6;
    const redisSeconds = cpuSeconds(redis) - before.redis;
    s.redisCpu.push(perDelivery(redisSeconds));
    s.redisPerChat.push((redisSeconds / Math.max(1, r.sent)) * 1e6);
    s.nodeCpu.push(
      perDelivery(children.reduce((sum, c, k) => sum + cpuSeconds(c.pid!) - before.nodes[k]!, 0)),
    );
    s.results.push(r);
    return r;
  } finally {
    for (const child of children) await stop(child);
  }
}
