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
