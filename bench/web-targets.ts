/**
 * The targets of Natter over WebSocket (issue 14, "Performance"), read from one run's rows: at
 * least 3x the Socket.IO server's deliveries per second with a lower p99, and at least half of
 * Natter's own figure over TCP. Medians of each row's runs. The server's CPU time per delivery
 * is given beside them: a row whose server was not busy was held back by the generator.
 */
import type { BenchResult } from '../src/bench/run.js';
import { fixed, median, ms, p99Of, thousands } from './figures.js';
import { CURRENT } from './processes.js';
import type { Row } from './scenarios.js';

const yes = (met: boolean) => (met ? 'yes' : 'no');
const rate = (r: Row) => median(r.results.map((x) => x.deliveriesPerSec));
const p99 = (r: Row) => median(r.results.map(p99Of));

/** Microseconds of server CPU per delivery, from one run's CPU share and deliveries. */
const cpuPerDelivery = (x: BenchResult) =>
  ((x.server?.cpuPercent ?? NaN) / 100 / x.deliveriesPerSec) * 1e6;
const cpu = (r: Row | undefined) =>
  r ? `${fixed(2)(median(r.results.map(cpuPerDelivery)))} µs` : '-';

/** The targets' Markdown table, for each throughput scenario with the rows it needs. */
export function webTargets(rows: Row[]): string[] {
  const out: string[] = [];
  const names = [...new Set(rows.map((r) => r.scenario.name))];
  for (const name of names) {
    const of = (server: string) =>
      rows.find((r) => r.scenario.name === name && r.server === server);
    const ws = of(`${CURRENT.label} (ws)`);
    const tcp = of(CURRENT.label);
    const sio = of('socket.io (ws)');
    if (!ws || ws.scenario.metric !== 'throughput' || (!tcp && !sio)) continue;
    if (out.length === 0)
      out.push(
        '',
        '| scenario | Natter ws deliveries/s | x Socket.IO (target 3) | p99 ms, Natter ws / Socket.IO (target: lower) | of Natter tcp (target 0.5) | server CPU per delivery: tcp / ws / Socket.IO |',
        '|---|---|---|---|---|---|',
      );
    const vsSio = sio
      ? `${fixed(1)(rate(ws) / rate(sio))}: ${yes(rate(ws) >= 3 * rate(sio))}`
      : '-';
    const latency = sio ? `${ms(p99(ws))} / ${ms(p99(sio))}: ${yes(p99(ws) < p99(sio))}` : '-';
    const vsTcp = tcp
      ? `${fixed(2)(rate(ws) / rate(tcp))}: ${yes(rate(ws) >= 0.5 * rate(tcp))}`
      : '-';
    out.push(
      `| ${name} | ${thousands(rate(ws))} | ${vsSio} | ${latency} | ${vsTcp} | ${cpu(tcp)} / ${cpu(ws)} / ${cpu(sio)} |`,
    );
  }
  return out;
}
