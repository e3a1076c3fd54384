/**
 * The scenario matrix of `npm run bench`: S1-S5 against each build of Natter (on each wire asked
 * for: TCP, WebSocket, TLS), the Socket.IO server and the seed, each run on a fresh server, and
 * its Markdown table.
 */
import type { BenchResult } from '../src/bench/run.js';
import { fixed, msSpread, p99Of, spread, thousands } from './figures.js';
import {
  CURRENT,
  benchOnce,
  freePort,
  startServer,
  stop,
  wireArgs,
  type Build,
  type ServedWire,
} from './processes.js';

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

/**
 * How each server is driven: the seed reads one request per read, so one chat in flight; the
 * Socket.IO server as Natter.
 */
export const GENERATOR: Record<string, string[]> = {
  natter: ['--window', '64', '--batch', '1', '--msg-size', '64'],
  socketio: ['--window', '64', '--batch', '1', '--msg-size', '64'],
  // The seed also breaks when joins overlap (its defects D05, D06): one join at a time.
  seed: ['--window', '1', '--batch', '1', '--msg-size', '64', '--connect-concurrency', '1'],
};

export interface MatrixOptions {
  scenarios: Scenario[];
  /** The builds of Natter to measure (none, this checkout, or it and a baseline). */
  builds: Build[];
  /** Natter's wires to measure, each build on each (tcp at least for the usual rows). */
  wires: Exclude<ServedWire, 'socketio'>[];
  /** The Socket.IO server too, over WebSocket (bench/socketio-server.ts). */
  socketio: boolean;
  seed: boolean;
  /**
   * Each build that keeps history, with history off (`--no-history`) and on, seed clients and
   * history clients (`--caps history`), taking turns run by run (HISTORY_MODES).
   */
  history: boolean;
  runs: number;
  duration: string;
  warmup: string;
  log: (line: string) => void;
}

export interface Row {
  scenario: Scenario;
  server: string;
  /** How it was reached. */
  wire: ServedWire;
  results: BenchResult[];
  /** Natter's build, and with --history its history mode. */
  build?: Build | undefined;
  mode?: HistoryMode | undefined;
}

/**
 * How `--history` runs Natter: off, on with seed clients (the server keeps every chat and sends
 * the seed's frames), on with history clients (every delivery numbered).
 */
export interface HistoryMode {
  /** How the rows name it. */
  name: string;
  server: string[];
  clients: string[];
}

export const HISTORY_MODES: readonly HistoryMode[] = [
  { name: 'history off', server: ['--no-history'], clients: [] },
  { name: 'history on', server: [], clients: [] },
  { name: 'history on, history clients', server: [], clients: ['--caps', 'history'] },
];

/** One server on one wire: a row of the table. */
interface Variant {
  kind: 'natter' | 'seed' | 'socketio';
  build: Build;
  wire: ServedWire;
  /** With --history, how history is set. */
  mode: HistoryMode | undefined;
  label: string;
}

/**
 * A row's server: Natter's TCP rows keep the build's label alone, as before wires were added;
 * the wire and the history mode follow in parentheses, as in `natter (ws, history on)`.
 */
function label(v: Omit<Variant, 'label'>): string {
  if (v.kind === 'socketio') return 'socket.io (ws)';
  if (v.kind === 'seed') return 'seed';
  const parts = [...(v.wire === 'tcp' ? [] : [v.wire]), ...(v.mode ? [v.mode.name] : [])];
  return parts.length === 0 ? v.build.label : `${v.build.label} (${parts.join(', ')})`;
}

/**
 * Runs the matrix. The builds of Natter on each wire, and the Socket.IO server, take turns run by
 * run (this checkout's run 1 on each wire, the baseline's run 1, Socket.IO's run 1, this
 * checkout's run 2, ...), so the machine's drift touches them alike; the seed's runs follow.
 */
export async function runMatrix(o: MatrixOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const turns: Variant[] = o.builds.flatMap((build) =>
    o.wires.flatMap((wire) =>
      (o.history && build.history ? HISTORY_MODES : [undefined]).map((mode) => ({
        kind: 'natter' as const,
        build,
        wire,
        mode,
        label: '',
      })),
    ),
  );
  if (o.socketio)
    turns.push({ kind: 'socketio', build: CURRENT, wire: 'socketio', mode: undefined, label: '' });
  for (const v of turns) v.label = label(v);
  const seed: Variant = {
    kind: 'seed',
    build: CURRENT,
    wire: 'tcp',
    mode: undefined,
    label: 'seed',
  };
  for (const scenario of o.scenarios) {
    const results = turns.map(() => [] as BenchResult[]);
    for (let i = 0; i < o.runs; i++) {
      for (const [t, v] of turns.entries()) {
        const r = await runOnce(o, scenario, v, i);
        if (r) results[t]!.push(r);
      }
    }
    for (const [t, v] of turns.entries())
      if (results[t]!.length > 0)
        rows.push({
          scenario,
          server: v.label,
          wire: v.wire,
          results: results[t]!,
          ...(v.kind === 'natter' ? { build: v.build, mode: v.mode } : {}),
        });
    if (!o.seed) continue;
    const seedResults: BenchResult[] = [];
    for (let i = 0; i < o.runs; i++) {
      const r = await runOnce(o, scenario, seed, i);
      if (r) seedResults.push(r);
    }
    if (seedResults.length > 0)
      rows.push({ scenario, server: 'seed', wire: 'tcp', results: seedResults });
  }
  return rows;
}

/** One run on a fresh server; undefined (and a log line) when it failed. */
async function runOnce(
  o: MatrixOptions,
  scenario: Scenario,
  v: Variant,
  i: number,
): Promise<BenchResult | undefined> {
  const server = v.label;
  const kind = v.kind;
  const port = await freePort();
  const child = await startServer(kind, port, v.mode?.server ?? [], v.build, v.wire);
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
      ...wireArgs(v.wire),
      ...(v.mode?.clients ?? []),
      ...scenario.args,
    ];
    const r = await benchOnce(args);
    const numbered = r.numbering
      ? `, numbered ${r.numbering.numbered} (without ${r.numbering.unnumbered}, seq out of order ${r.numbering.seqOutOfOrder}, skipped ${r.numbering.seqSkipped})`
      : '';
    o.log(
      `${scenario.name} ${server} run ${i + 1}: ${r.deliveriesPerSec} deliveries/s, p99 ${r.latencyMs.p99} ms, lost ${r.lost}, CPU ${r.server?.cpuPercent ?? '-'}%, ${r.server?.rssPerConnectionKiB ?? '-'} KiB/conn${numbered}`,
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
    `Generator: natter bench ${GENERATOR.natter!.join(' ')} for Natter${o.socketio ? ' and Socket.IO (--socketio)' : ''}, ${GENERATOR.seed!.join(' ')} for the seed; --ws, --tls for those wires${o.history ? '; --caps history for history clients' : ''}.`,
  ];
}

function formatRow(row: Row): string {
  const r = row.results;
  const lost = r.reduce((n, x) => n + x.lost + x.outOfOrder + (x.numbering?.seqOutOfOrder ?? 0), 0);
  const cpu = r.map((x) => x.server?.cpuPercent ?? NaN).filter((x) => !Number.isNaN(x));
  const cpuText = cpu.length ? spread(cpu, fixed(0)) + '%' : '-';
  const p99 = msSpread(r.map(p99Of));
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
    case 'memory': {
      const heap = r.map((x) => x.server?.heapPerConnectionKiB ?? NaN).filter((x) => !isNaN(x));
      const heapText = heap.length > 0 ? `, heap ${spread(heap, fixed(2))} KiB` : '';
      return `| ${row.scenario.name} | ${row.server} | ${spread(
        r.map((x) => x.server?.rssPerConnectionKiB ?? NaN),
        fixed(2),
      )} KiB${heapText} | ${spread(
        r.map((x) => x.connectMs.totalSec),
        fixed(1),
      )} s | - | - |`;
    }
  }
}
