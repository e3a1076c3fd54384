/**
 * What `npm run bench -- --history` adds below the matrix: for each scenario (and build and
 * wire), Natter with history on against the same with history off, from runs that took turns
 * (issue 15's target: at least 0.80 of the deliveries per second), and the server's CPU per
 * delivery in each mode.
 */
import type { BenchResult } from '../src/bench/run.js';
import { fixed, median, spread } from './figures.js';
import { HISTORY_MODES, type HistoryMode, type Row } from './scenarios.js';

/** At least this share of the throughput with history off (issue 15). */
export const HISTORY_TARGET = 0.8;

/** The server's CPU time per delivery in µs, from its CPU share over the measured window. */
export function cpuPerDelivery(r: BenchResult): number {
  const cpu = r.server?.cpuPercent;
  if (cpu === undefined || r.deliveriesPerSec === 0) return NaN;
  return (cpu / 100 / r.deliveriesPerSec) * 1e6;
}

/**
 * `on / off` as the median of the runs' ratios, pairing run i with run i (they ran one after
 * the other), and the ratio of the medians; NaN when a series is missing.
 */
export function ratios(
  on: readonly number[],
  off: readonly number[],
): { paired: number[]; ofMedians: number } {
  if (on.length === 0 || off.length === 0) return { paired: [], ofMedians: NaN };
  const paired = on.length === off.length ? on.map((v, i) => v / off[i]!) : ([] as number[]);
  return { paired, ofMedians: median([...on]) / median([...off]) };
}

export const ratioText = (on: readonly number[], off: readonly number[]): string => {
  const r = ratios(on, off);
  if (Number.isNaN(r.ofMedians)) return '-';
  const met = r.ofMedians >= HISTORY_TARGET ? '' : ' **below**';
  const pairs = r.paired.length > 0 ? `; run by run ${spread(r.paired, fixed(2))}` : '';
  return `${fixed(2)(r.ofMedians)}${pairs}${met}`;
};

/** The comparison table; nothing without history rows. */
export function historyComparison(rows: readonly Row[]): string[] {
  const byKey = new Map<string, Map<HistoryMode, Row>>();
  for (const row of rows) {
    if (!row.mode || !row.build) continue;
    const key = `${row.scenario.name}\u0000${row.build.label}\u0000${row.wire}`;
    let modes = byKey.get(key);
    if (!modes) byKey.set(key, (modes = new Map()));
    modes.set(row.mode, row);
  }
  if (byKey.size === 0) return [];
  const [off, on, clients] = HISTORY_MODES as [HistoryMode, HistoryMode, HistoryMode];
  const out = [
    '',
    `History on against off (issue 15: at least ${HISTORY_TARGET.toFixed(2)} of the deliveries/s), the ratio of the medians, and run by run (median (min-max)); server CPU µs per delivery, median of the runs.`,
    '',
    '| scenario | server | on / off, seed clients | on / off, history clients | CPU µs per delivery: off / on / on, history clients |',
    '|---|---|---|---|---|',
  ];
  for (const modes of byKey.values()) {
    const any = [...modes.values()][0]!;
    const rate = (m: HistoryMode) => modes.get(m)?.results.map((r) => r.deliveriesPerSec) ?? [];
    const cpu = (m: HistoryMode) => {
      const values = (modes.get(m)?.results ?? []).map(cpuPerDelivery).filter((v) => !isNaN(v));
      return values.length > 0 ? fixed(3)(median(values)) : '-';
    };
    const server = any.wire === 'tcp' ? any.build!.label : `${any.build!.label} (${any.wire})`;
    out.push(
      `| ${any.scenario.name} | ${server} | ${ratioText(rate(on), rate(off))} | ${ratioText(rate(clients), rate(off))} | ${cpu(off)} / ${cpu(on)} / ${cpu(clients)} |`,
    );
  }
  return out;
}
