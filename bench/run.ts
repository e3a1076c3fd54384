/**
 * `npm run bench`: the benchmark matrix of BENCHMARKS.md.
 *
 * For each scenario S1-S5 it starts a fresh server pinned to CPU 0 (taskset, when there is one)
 * and runs `natter bench` pinned to CPU 1, three times, against Natter and against the seed
 * (test/fixtures/seed_server.py, with its room cap raised in a temporary copy). It also measures
 * the codec and the generator's own ceiling (against a trivial sender), and prints Markdown.
 *
 *   npm run bench                      everything (about 45 minutes)
 *   npm run bench -- --only natter     Natter's scenarios only (also: seed, codec, ceiling, cluster)
 *   npm run bench -- --runs 1 --duration 5 --scenarios S1,S4
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchResult } from '../src/bench/run.js';
import { runCodecBenchmarks } from './codec.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NATTER = join(ROOT, 'dist/src/cli/natter.js');
const BLASTER = join(ROOT, 'dist/bench/blaster.js');
const SEED = join(ROOT, 'test/fixtures/seed_server.py');

interface Scenario {
  name: string;
  what: string;
  args: string[];
  /** Which figure the scenario is judged by. */
  metric: 'throughput' | 'latency' | 'memory';
}

const SCENARIOS: Scenario[] = [
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
const GENERATOR: Record<string, string[]> = {
  natter: ['--window', '64', '--batch', '1', '--msg-size', '64'],
  // The seed also breaks when joins overlap (its defects D05, D06): one join at a time.
  seed: ['--window', '1', '--batch', '1', '--msg-size', '64', '--connect-concurrency', '1'],
};

const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
})();

const pinned = (cpu: number, command: string[]): string[] =>
  hasTaskset ? ['taskset', '-c', String(cpu), ...command] : command;

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function start(command: string[]): ChildProcess {
  return spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Waits for a server's "listening" line. (Probing the port would do for Natter, but a connection
 * that closes without a word wedges the seed: its defect D01.)
 */
function waitForListening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`the server did not start: ${output}`)),
      10_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/listening on/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${output}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
  await new Promise((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
}

/** A copy of the seed whose room holds `cap` users (S2-S5 need more than its 10). */
function seedCopy(cap: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'natter-seed-'));
  const path = join(dir, 'seed_server.py');
  copyFileSync(SEED, path);
  const text = readFileSync(path, 'utf8').replace(
    'MAX_USER_IN_CHATROOM = 10',
    `MAX_USER_IN_CHATROOM = ${cap}`,
  );
  writeFileSync(path, text);
  return path;
}

/** The server to measure, on a free port. Pinned to CPU 0. */
async function startServer(
  kind: 'natter' | 'seed' | 'blaster',
  port: number,
  extra: string[] = [],
): Promise<ChildProcess> {
  const command =
    kind === 'natter'
      ? [
          process.execPath,
          NATTER,
          'serve',
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--max-users',
          '20000',
          // info: its "listening" line tells when it is ready; join lines are few.
          '--log-level',
          'info',
          ...extra,
        ]
      : kind === 'seed'
        ? ['python3', '-u', seedCopy(20000), '--host', '127.0.0.1', '--port', String(port)]
        : [process.execPath, BLASTER, String(port)];
  const child = start(pinned(0, command));
  await waitForListening(child);
  // From here on the output is only drained: the benchmark does not read what the server logs.
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

/** One `natter bench` run, pinned to CPU 1; its JSON result. */
async function benchOnce(args: string[]): Promise<BenchResult> {
  const command = pinned(1, [process.execPath, NATTER, 'bench', '--json', ...args]);
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  const line = out.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as BenchResult;
  } catch {
    throw new Error(`bench failed: ${err || out}`);
  }
}

interface Row {
  scenario: Scenario;
  server: string;
  results: BenchResult[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function spread(values: number[], format: (v: number) => string): string {
  return `${format(median(values))} (${format(Math.min(...values))}-${format(Math.max(...values))})`;
}

const thousands = (v: number) => Math.round(v).toLocaleString('en-US');
const fixed = (d: number) => (v: number) => v.toFixed(d);

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

/** CPU time a process has used, in seconds (Linux /proc). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The pid of the Redis at 127.0.0.1:6379. */
function redisPid(): number {
  const info = execFileSync('redis-cli', [
    '-h',
    '127.0.0.1',
    '-p',
    '6379',
    'info',
    'server',
  ]).toString();
  return Number(/process_id:(\d+)/.exec(info)![1]);
}

/**
 * The cluster on this machine: the same chat through 1, 2 and 3 nodes on the local Redis (clients
 * spread over the nodes), next to one node in memory. Reports throughput, latency, and the CPU
 * that Redis and the nodes spend per delivered message.
 */
async function clusterBenchmarks(
  runs: number,
  duration: string,
  warmup: string,
  log: (l: string) => void,
): Promise<string[]> {
  const out = [
    '',
    '| cluster | nodes | deliveries/s, or p50 ms | p99 ms | lost + out of order | Redis CPU µs per chat | Redis CPU µs per delivery | nodes CPU µs per delivery |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const redis = redisPid();
  const loads = [
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
  for (const load of loads) {
    for (const nodes of [0, 1, 2, 3]) {
      const results: BenchResult[] = [];
      const redisCpu: number[] = [];
      const redisPerChat: number[] = [];
      const nodeCpu: number[] = [];
      for (let i = 0; i < runs; i++) {
        const prefix = `bench${Date.now().toString(36)}`;
        const ports: number[] = [];
        const children: ChildProcess[] = [];
        try {
          for (let n = 0; n < Math.max(1, nodes); n++) {
            const port = await freePort();
            ports.push(port);
            const redisArgs =
              nodes === 0 ? [] : ['--redis', 'redis://127.0.0.1:6379', '--redis-prefix', prefix];
            children.push(await startServer('natter', port, redisArgs));
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
          redisCpu.push(perDelivery(redisSeconds));
          redisPerChat.push((redisSeconds / Math.max(1, r.sent)) * 1e6);
          nodeCpu.push(
            perDelivery(
              children.reduce((sum, c, k) => sum + cpuSeconds(c.pid!) - before.nodes[k]!, 0),
            ),
          );
          results.push(r);
          log(
            `cluster ${load.latency ? 'latency' : 'throughput'} ${nodes} nodes run ${i + 1}: ${r.deliveriesPerSec}/s p99 ${r.latencyMs.p99} ms`,
          );
        } finally {
          for (const child of children) await stop(child);
        }
      }
      const label = nodes === 0 ? 'one node, in memory' : `${nodes} on Redis`;
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
        `| ${load.name} | ${label} | ${first} | ${spread(
          results.map((x) => x.latencyMs.p99),
          fixed(2),
        )} | ${lost} | ${nodes === 0 ? '-' : spread(redisPerChat, fixed(1))} | ${nodes === 0 ? '-' : spread(redisCpu, fixed(2))} | ${spread(nodeCpu, fixed(2))} |`,
      );
    }
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      runs: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      scenarios: { type: 'string' },
    },
  });
  const only = new Set(values.only ?? ['codec', 'ceiling', 'natter', 'seed', 'cluster']);
  const runs = Number(values.runs);
  const wanted = values.scenarios ? new Set(values.scenarios.split(',')) : undefined;
  const scenarios = SCENARIOS.filter((s) => !wanted || wanted.has(s.name));
  const log = (line: string) => process.stderr.write(line + '\n');
  const out: string[] = [];
  out.push(
    `Machine: ${execFileSync('nproc').toString().trim()} cores, Node.js ${process.version}, ` +
      (hasTaskset ? 'server on CPU 0, generator on CPU 1 (taskset)' : 'no taskset: unpinned'),
  );

  if (only.has('codec')) {
    out.push('', '| codec benchmark | MB/s | messages/s |', '|---|---|---|');
    for (const r of runCodecBenchmarks())
      out.push(`| ${r.name} | ${r.mbPerSec} | ${thousands(r.msgsPerSec)} |`);
  }

  if (only.has('cluster'))
    out.push(...(await clusterBenchmarks(runs, values.duration!, values.warmup!, log)));

  if (only.has('ceiling')) {
    out.push('', '| generator ceiling (trivial sender) | deliveries/s |', '|---|---|');
    for (const clients of [10, 100, 1000]) {
      const ceiling: number[] = [];
      for (let i = 0; i < runs; i++) {
        const port = await freePort();
        const blaster = await startServer('blaster', port);
        try {
          const r = await benchOnce([
            '--port',
            String(port),
            '--clients',
            String(clients),
            '--senders',
            '1',
            '--duration',
            '5',
            '--warmup',
            '1',
          ]);
          ceiling.push(r.deliveriesPerSec);
        } finally {
          await stop(blaster);
        }
      }
      log(`ceiling ${clients}: ${ceiling.join(', ')}`);
      out.push(`| ${clients} receiving clients | ${spread(ceiling, thousands)} |`);
    }
  }

  const rows: Row[] = [];
  for (const scenario of scenarios) {
    for (const server of ['natter', 'seed'] as const) {
      if (!only.has(server)) continue;
      const results: BenchResult[] = [];
      for (let i = 0; i < runs; i++) {
        const port = await freePort();
        const child = await startServer(server, port);
        try {
          const args = [
            '--port',
            String(port),
            '--server-pid',
            String(child.pid),
            '--duration',
            values.duration!,
            '--warmup',
            values.warmup!,
            ...GENERATOR[server]!,
            ...scenario.args,
          ];
          const r = await benchOnce(args);
          results.push(r);
          log(
            `${scenario.name} ${server} run ${i + 1}: ${r.deliveriesPerSec} deliveries/s, p99 ${r.latencyMs.p99} ms, lost ${r.lost}, ${r.server?.rssPerConnectionKiB ?? '-'} KiB/conn`,
          );
        } catch (err) {
          log(`${scenario.name} ${server} run ${i + 1} failed: ${(err as Error).message}`);
        } finally {
          await stop(child);
        }
      }
      if (results.length > 0) rows.push({ scenario, server, results });
    }
  }
  if (rows.length > 0) {
    out.push(
      '',
      `Medians of ${runs} runs, (min-max). Throughput rows: deliveries/s and p99 latency; latency rows: p50 and p99 latency; S5: RSS growth per connection and time to join all.`,
    );
    out.push(
      '',
      '| scenario | server | deliveries/s, or p50 ms, or KiB per connection | p99 ms, or join time | lost + out of order | server CPU |',
      '|---|---|---|---|---|---|',
    );
    for (const row of rows) out.push(formatRow(row));
    out.push('', 'Scenarios: ' + scenarios.map((s) => `${s.name} = ${s.what}`).join('; ') + '.');
    out.push(
      `Generator: natter bench ${GENERATOR.natter!.join(' ')} for Natter, ${GENERATOR.seed!.join(' ')} for the seed.`,
    );
  }
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
