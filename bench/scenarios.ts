/**
 * The scenario matrix of `npm run bench`: S1-S5 against each build of Natter and the seed, each
 * run on a fresh server, and its Markdown table.
 */
import type { BenchResult } from '../src/bench/run.js';
import { fixed, spread, thousands } from './figures.js';
import { CURRENT, benchOnce, freePort, startServer, stop, type Build } from './processes.js';

export interface Scenario {
  name: string;
  what: string;
  args: string[];
  /** Which figure the scenario is judged by. */
  metric: 'throughput' | 'latency' | 'memory';
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'S1',
    what: '10 clients, 1 sender, max rate',
    args: ['--clients', '10', '--senders', '1'],
    metric: 'throughput',
  },
  {
    name: 'S2',
    what: '100 clients, 10 senders, max rate',
    args: ['--clients', '100', '--senders', '10'],
    metric: 'throughput',
  },
  {
    name: 'S3m',
    what: '1000 clients, 10 senders, max rate',
    args: ['--clients', '1000', '--senders', '10'],
    metric: 'throughput',
  },
  {
    name: 'S3r',
    what: '1000 clients, 10 senders at 5 msgs/s',
    args: ['--clients', '1000', '--senders', '10', '--rate', '5'],
    metric: 'latency',
  },
  {
    name: 'S4',
    what: '100 clients, 10 senders at 50 msgs/s',
    args: ['--clients', '100', '--senders', '10', '--rate', '50'],
    metric: 'latency',
  },
  {
    name: 'S5',
    what: '10,000 idle registered connections',
    args: ['--idle', '10000'],
    metric: 'memory',
  },
];

/** How each server is driven: the seed reads one request per read, so one chat in flight. */
export const GENERATOR: Record<string, string[]> = {
  natter: ['--window', '64', '--batch', '1', '--msg-size', '64'],
  // The seed also breaks when joins overlap (its defects D05, D06): one join at a time.
  seed: ['--window', '1', '--batch', '1', '--msg-size', '64', '--connect-concurrency', '1'],
};

export interface MatrixOptions {
  scenarios: Scenario[];
  /** The builds of Natter to measure (none, this checkout, or it and a baseline). */
  builds: Build[];
  seed: boolean;
  runs: number;
  duration: string;
  warmup: string;
  log: (line: string) => void;
}

export interface Row {
  scenario: Scenario;
  server: string;
  results: BenchResult[];
}

/**
 * Runs the matrix. The builds of Natter take turns run by run (this checkout's run 1, the
 * baseline's run 1, this checkout's run 2, ...), so the machine's drift touches them alike; the
 * seed's runs follow.
 */
export async function runMatrix(o: MatrixOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const scenario of o.scenarios) {
    const natter = o.builds.map((build) => ({ build, results: [] as BenchResult[] }));
    for (let i = 0; i < o.runs; i++) {
      for (const n of natter) {
        const r = await runOnce(o, scenario, 'natter', n.build, i);
        if (r) n.results.push(r);
      }
    }
    for (const n of natter)
      if (n.results.length > 0) rows.push({ scenario, server: n.build.label, results: n.results });
    if (!o.seed) continue;
    const results: BenchResult[] = [];
    for (let i = 0; i < o.runs; i++) {
      const r = await runOnce(o, scenario, 'seed', CURRENT, i);
      if (r) results.push(r);
    }
    if (results.length > 0) rows.push({ scenario, server: 'seed', results });
  }
  return rows;
}

/** One run on a fresh server; undefined (and a log line) when it failed. */
async function runOnce(
  o: MatrixOptions,
  scenario: Scenario,
  kind: 'natter' | 'seed',
  build: Build,
  i: number,
): Promise<BenchResult | undefined> {
  const server = kind === 'natter' ? build.label : kind;
  const port = await freePort();
  const child = await startServer(kind, port, [], build);
  try {
    const args = [
      '--port',
      String(port),
      '--server-pid',
      String(child.pid),
      '--duration',
      o.duration,
      '--warmup',
      o.warmup,
      ...GENERATOR[kind]!,
      ...scenario.args,
    ];
    const r = await benchOnce(args);
    o.log(
      `${scenario.name} ${server} run ${i + 1}: ${r.deliveriesPerSec} deliveries/s, p99 ${r.latencyMs.p99} ms, lost ${r.lost}, ${r.server?.rssPerConnectionKiB ?? '-'} KiB/conn`,
    );
    return r;
  } catch (err) {
    o.log(`${scenario.name} ${server} run ${i + 1} failed: ${(err as Error).message}`);
    return undefined;
  } finally {
    await stop(child);
  }
}

/** The matrix's Markdown table and its notes; nothing when there are no rows. */
export function matrixTable(rows: Row[], o: MatrixOptions): string[] {
  if (rows.length === 0) return [];
  return [
    '',
    `Medians of ${o.runs} runs, (min-max). Throughput rows: deliveries/s and p99 latency; latency rows: p50 and p99 latency; S5: RSS growth per connection and time to join all.`,
    '',
    '| scenario | server | deliveries/s, or p50 ms, or KiB per connection | p99 ms, or join time | lost + out of order | server CPU |',
    '|---|---|---|---|---|---|',
    ...rows.map(formatRow),
    '',
    'Scenarios: ' + o.scenarios.map((s) => `${s.name} = ${s.what}`).join('; ') + '.',
    `Generator: natter bench ${GENERATOR.natter!.join(' ')} for Natter, ${GENERATOR.seed!.join(' ')} for the seed.`,
  ];
}

function formatRow(row: Row): string {
  const r = row.results;
  const lost = r.reduce((n, x) => n + x.lost + x.outOfOrder, 0);
  const cpu = r.map((x) => x.server?.cpuPercent ?? NaN).filter((x) => !Number.isNaN(x));
  const cpuText = cpu.length ? spread(cpu, fixed(0)) + '%' : '-';
  const p99 = spread(
    r.map((x) => x.latencyMs.p99),
    fixed(2),
  );
  switch (row.scenario.metric) {
    case 'throughput': {
      const rate = spread(
        r.map((x) => x.deliveriesPerSec),
        thousands,
      );
      return `| ${row.scenario.name} | ${row.server} | ${rate} | ${p99} | ${lost} | ${cpuText} |`;
    }
    case 'latency': {
      const p50 = spread(
        r.map((x) => x.latencyMs.p50),
        fixed(2),
      );
      return `| ${row.scenario.name} | ${row.server} | ${p50} | ${p99} | ${lost} | ${cpuText} |`;
    }
    case 'memory':
      return `| ${row.scenario.name} | ${row.server} | ${spread(
        r.map((x) => x.server?.rssPerConnectionKiB ?? NaN),
        fixed(2),
      )} KiB | ${spread(
        r.map((x) => x.connectMs.totalSec),
        fixed(1),
      )} s | - | - |`;
  }
}
