import { Cmd } from '../../protocol/codes.js';
import type { Clock } from '../clock.js';
import { TokenBucket } from '../services/token-bucket.js';

/** Flood control (rule 5.7): a token bucket per client. */
export interface FloodLimits {
  /** Requests a client may send at once... */
  readonly floodBurst: number;
  /** ...and per second after the burst. */
  readonly floodRate: number;
  /** Refused requests in a row before the client is disconnected. */
  readonly floodStrikes: number;
}

/**
 * Requests that cost more than one token (rule 5.7): ROOMS reads every room of the server (in a
 * cluster, from Redis), so a client cannot ask for it as often as it may chat.
 */
const COSTS: Readonly<Record<string, number>> = { [Cmd.ROOMS]: 10 };

/** Flood control for one client (rule 5.7): a token bucket and the refusals in a row. */
export class Flood {
  private readonly bucket: TokenBucket;
  /** Requests refused in a row. */
  strikes = 0;

  constructor(
    private readonly limits: FloodLimits,
    private readonly clock: Clock,
  ) {
    this.bucket = new TokenBucket(limits.floodBurst, limits.floodRate, clock.now());
  }

  /**
   * 0 when a request of `cmd` may go ahead; else the wait before a retry, or Infinity:
   * disconnect.
   */
  take(cmd: unknown): number {
    const cost = typeof cmd === 'string' ? (COSTS[cmd] ?? 1) : 1;
    const wait = this.bucket.take(this.clock.now(), cost);
    if (wait === 0) {
      this.strikes = 0;
      return 0;
    }
    return ++this.strikes >= this.limits.floodStrikes ? Infinity : wait;
  }
}
