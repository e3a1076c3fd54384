/** How `npm run bench` writes a series of runs: the median and the range. */

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** `median (min-max)`. */
export function spread(values: number[], format: (v: number) => string): string {
  return `${format(median(values))} (${format(Math.min(...values))}-${format(Math.max(...values))})`;
}

export const thousands = (v: number) => Math.round(v).toLocaleString('en-US');
export const fixed = (d: number) => (v: number) => v.toFixed(d);

/**
 * A run's p99 latency in ms; Infinity when no chat sent in the measured window arrived within it
 * (a server whose backlog is longer than the window).
 */
export const p99Of = (r: { latencyMs: { p99: number; samples: number } }) =>
  r.latencyMs.samples > 0 ? r.latencyMs.p99 : Infinity;

/** `fixed(2)`, or "over the window" for Infinity (see p99Of). */
export const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'over the window');

/** p99s as `spread` gives them; said once when no run had a chat arrive within its window. */
export const msSpread = (values: number[]) =>
  values.some(Number.isFinite) ? spread(values, ms) : 'none within the window';
