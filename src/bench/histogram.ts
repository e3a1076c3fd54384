/**
 * A latency histogram in microseconds with about 3% relative precision (32 sub-buckets per power
 * of two), fixed size, cheap to record into and to merge across workers.
 */
export class Histogram {
  static readonly SUB_BITS = 5;
  static readonly SUB = 1 << Histogram.SUB_BITS;
  /** Up to 2^40 µs (about 12 days) with 32 sub-buckets each. */
  static readonly SIZE = 41 * Histogram.SUB;

  readonly counts: Float64Array;
  count = 0;
  max = 0;

  constructor(counts?: Float64Array) {
    this.counts = counts ?? new Float64Array(Histogram.SIZE);
    if (counts) for (const c of counts) this.count += c;
  }

  /** Records `n` samples of `micros` (negative values count as 0). */
  record(micros: number, n = 1): void {
    const v = micros > 0 ? Math.floor(micros) : 0;
    this.counts[bucketOf(v)]! += n;
    this.count += n;
    if (v > this.max) this.max = v;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < Histogram.SIZE; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    if (other.max > this.max) this.max = other.max;
  }

  /** The value at quantile `q` (0..1), in microseconds; the bucket's upper bound. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < Histogram.SIZE; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(upperBound(i), this.max);
    }
    return this.max;
  }
}

function bucketOf(micros: number): number {
  if (micros < Histogram.SUB) return micros;
  const v = Math.min(micros, 2 ** 31 - 1);
  const shift = 31 - Math.clz32(v) - Histogram.SUB_BITS;
  // The leading one is implied: keep the next SUB_BITS bits.
  return (shift + 1) * Histogram.SUB + (v >>> shift) - Histogram.SUB;
}

function upperBound(bucket: number): number {
  if (bucket < Histogram.SUB) return bucket;
  const shift = Math.floor(bucket / Histogram.SUB) - 1;
  const sub = bucket % Histogram.SUB;
  return (Histogram.SUB + sub + 1) * 2 ** shift - 1;
}
