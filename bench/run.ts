/**
 * `npm run bench`: the benchmark matrix of BENCHMARKS.md.
 *
 * For each scenario S1-S5 it starts a fresh server pinned to CPU 0 (taskset, when there is one)
 * and runs `natter bench` pinned to CPU 1, three times, against Natter and against the seed
 * (test/fixtures/seed_server.py, with its room cap raised in a temporary copy). It also measures
 * the codec and the generator's own ceiling (against a trivial sender), and prints Markdown.
 *
 *   npm run bench                      everything (about 45 minutes)
 *   npm run bench -- --only natter     Natter's scenarios only (also: seed, socketio, codec,
 *                                      ceiling, cluster)
 *   npm run bench -- --runs 1 --duration 5 --scenarios S1,S4
 *   npm run bench -- --only natter --only socketio --ws --scenarios S2,S3m,S5
 *
 * --ws and --tls add Natter's other wires to its rows: over WebSocket (the HTTP listener's
 * `/ws`), over TLS (the TLS port, with a throwaway certificate made by openssl), and with both
 * over WSS; TCP is always measured, in the same run. `socketio` is a minimal Socket.IO chat
 * server (bench/socketio-server.ts) driven by the same scenarios over WebSocket, its runs taking
 * turns with Natter's.
 *
 * --baseline DIR compares two builds of Natter in one run. DIR is another checkout of this
 * repository, built (it has DIR/dist/src/cli/natter.js). Every Natter measurement, the scenarios
 * and the cluster rows, then also runs against DIR's server, interleaved run by run with this
 * checkout's (this run 1, baseline run 1, this run 2, ...) so that the machine's drift touches
 * both alike. The tables show both: `natter` and `natter (baseline <DIR's short commit>)`. The
 * load generator is always this checkout's `natter bench`, so only the server differs. The
 * baseline follows the sections chosen with --only (natter, cluster): for example
 *
 *   npm run bench -- --only natter --baseline ../natter-main --scenarios S1,S2
 *
 * runs only the Natter scenario rows, for both builds.
 *
 * Every Natter server keeps its history (docs/protocol.md, section 12) in a fresh temporary
 * --data-dir of its own, removed when it stops. --history measures the cost of history: every
 * Natter row (scenarios and cluster) of a build that keeps history runs three ways, taking turns
 * run by run: `natter (history off)` (--no-history), `natter (history on)` (seed clients: the
 * server keeps every chat, the frames are the seed's) and `natter (history on, history
 * clients)` (natter bench --caps history: every delivery carries seq and ts, which the
 * generator checks). A table of on / off follows (bench/history-rows.ts). --scenarios also
 * chooses the cluster's loads (S2, S3m, S4; by default S2 and S4), which with history on also
 * report Redis's memory per kept chat. With `ceiling`, --history adds the generator's ceiling
 * with numbered deliveries (the blaster's `history`):
 *
 *   npm run bench -- --only natter --history --scenarios S2,S3m
 *   npm run bench -- --only cluster --history --scenarios S2,S3m
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { clusterBenchmarks } from './cluster.js';
import { runCodecBenchmarks } from './codec.js';
import { spread, thousands } from './figures.js';
import { historyComparison } from './history-rows.js';
import {
  CURRENT,
  baselineBuild,
  benchOnce,
  freePort,
  hasTaskset,
  startServer,
  stop,
} from './processes.js';
import { SCENARIOS, matrixTable, runMatrix, type MatrixOptions } from './scenarios.js';
import { webTargets } from './web-targets.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      runs: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      scenarios: { type: 'string' },
      baseline: { type: 'string' },
      ws: { type: 'boolean' },
      tls: { type: 'boolean' },
      history: { type: 'boolean' },
    },
  });
  const only = new Set(
    values.only ?? ['codec', 'ceiling', 'natter', 'seed', 'socketio', 'cluster'],
  );
  const runs = Number(values.runs);
  const wanted = values.scenarios ? new Set(values.scenarios.split(',')) : undefined;
  const scenarios = SCENARIOS.filter((s) => !wanted || wanted.has(s.name));
  const baseline = values.baseline === undefined ? undefined : baselineBuild(values.baseline);
  const builds = baseline ? [CURRENT, baseline] : [CURRENT];
  const log = (line: string) => process.stderr.write(line + '\n');
  const out: string[] = [];
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(', ');
  out.push(
    `Machine: ${execFileSync('nproc').toString().trim()} cores, Node.js ${process.version}, ` +
      (hasTaskset ? 'server on CPU 0, generator on CPU 1 (taskset)' : 'no taskset: unpinned') +
      `; load average (1, 5, 15 min) at the start: ${load()}`,
  );
  if (baseline)
    out.push(
      '',
      `Baseline: ${baseline.label} is ${baseline.natter}, run by run in turn with this checkout (natter); both driven by this checkout's natter bench.`,
    );

  if (only.has('codec')) {
    out.push('', '| codec benchmark | MB/s | messages/s |', '|---|---|---|');
    for (const r of runCodecBenchmarks())
      out.push(`| ${r.name} | ${r.mbPerSec} | ${thousands(r.msgsPerSec)} |`);
  }

  if (only.has('cluster'))
    out.push(
      ...(await clusterBenchmarks({
        builds,
        runs,
        duration: values.duration!,
        warmup: values.warmup!,
        history: Boolean(values.history),
        ...(wanted ? { loads: wanted } : {}),
        log,
      })),
    );

  if (only.has('ceiling')) {
    out.push('', '| generator ceiling (trivial sender) | deliveries/s |', '|---|---|');
    // TCP; over WebSocket with --ws; numbered deliveries read by history clients with --history.
    const kinds = [
      { what: '', blaster: [] as string[], bench: [] as string[] },
      ...(values.ws ? [{ what: ', WebSocket', blaster: ['ws'], bench: ['--ws'] }] : []),
      ...(values.history
        ? [
            {
              what: ', numbered (--caps history)',
              blaster: ['history'],
              bench: ['--caps', 'history'],
            },
          ]
        : []),
    ];
    // The kinds take turns run by run, so that the machine's drift touches them alike.
    for (const clients of [10, 100, 1000]) {
      const ceilings = kinds.map(() => [] as number[]);
      for (let i = 0; i < runs; i++) {
        for (const [k, kind] of kinds.entries()) {
          const port = await freePort();
          const blaster = await startServer('blaster', port, kind.blaster);
          try {
            const r = await benchOnce([
              ...kind.bench,
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
            ceilings[k]!.push(r.deliveriesPerSec);
          } finally {
            await stop(blaster);
          }
        }
      }
      for (const [k, kind] of kinds.entries()) {
        const what = `${clients} receiving clients${kind.what}`;
        log(`ceiling ${what}: ${ceilings[k]!.join(', ')}`);
        out.push(`| ${what} | ${spread(ceilings[k]!, thousands)} |`);
      }
    }
  }

  const matrix: MatrixOptions = {
    scenarios,
    builds: only.has('natter') ? builds : [],
    wires: [
      'tcp',
      ...(values.ws ? (['ws'] as const) : []),
      ...(values.tls ? (['tls'] as const) : []),
      ...(values.ws && values.tls ? (['wss'] as const) : []),
    ],
    socketio: only.has('socketio'),
    seed: only.has('seed'),
    history: Boolean(values.history),
    runs,
    duration: values.duration!,
    warmup: values.warmup!,
    log,
  };
  const rows = await runMatrix(matrix);
  out.push(...matrixTable(rows, matrix), ...historyComparison(rows), ...webTargets(rows));
  out.push('', `Load average (1, 5, 15 min) at the end: ${load()}.`);
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
