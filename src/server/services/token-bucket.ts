/**
 * A token bucket: holds up to `burst` tokens and gains `rate` tokens per second. Taking a token
 * when none is left fails with the time until one will be there. Time is passed in, so the
 * bucket has no timers and tests can use any clock.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly burst: number,
    private readonly rate: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /**
   * Takes `cost` tokens (at most `burst`), all or none.
   * @returns 0 when taken, else how many milliseconds until they are available
   */
  take(now: number, cost = 1): number {
    this.refill(now);
    const need = Math.min(cost, this.burst);
    if (this.tokens >= need) {
      this.tokens -= need;
      return 0;
    }
    return Math.ceil(((need - this.tokens) / this.rate) * 1000);
  }

  /** True when the bucket is full again (it can be forgotten). */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.updatedAt = now;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.rate);
  }
}
