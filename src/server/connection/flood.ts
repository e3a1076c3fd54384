import { Cmd } from '../../protocol/codes.js';
import { ROOMS_PAGE } from '../../protocol/limits.js';
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
 * What a request costs in tokens (rule 5.7): one, except ROOMS, whose answer can be large: one
 * token and one more for every 10 rooms it may list (11 for a full page of 100), so a client
 * cannot pull room lists as fast as it may chat.
 */
function cost(request: Readonly<Record<string, unknown>> | undefined): number {
  if (request?.cmd !== Cmd.ROOMS) return 1;
  const { limit } = request;
  const page = Number.isSafeInteger(limit)
    ? Math.min(ROOMS_PAGE, Math.max(1, limit as number))
    : ROOMS_PAGE;
  return 1 + Math.ceil(page / 10);
}

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
   * 0 when `request` may go ahead; else the wait before a retry (a refusal, counted).
   * @param request undefined for input that was not a request
   */
  take(request: Readonly<Record<string, unknown>> | undefined): number {
    const wait = this.bucket.take(this.clock.now(), cost(request));
    if (wait === 0) this.strikes = 0;
    else this.strikes++;
    return wait;
  }

  /** `floodStrikes` refusals in a row: the client is to be disconnected. */
  get exhausted(): boolean {
    return this.strikes >= this.limits.floodStrikes;
  }
}
