import { Cmd } from '../../protocol/codes.js';
import { ROOMS_PAGE } from '../../protocol/limits.js';
import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT } from '../../protocol/requests.js';
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
 * What a request costs in tokens (rule 5.7): one, except ROOMS and HISTORY, whose answers can be
 * large: one token and one more for every 10 rooms or 20 chats they may list (11 for a full
 * page of 100 rooms or 200 chats), so a client cannot pull pages as fast as it may chat.
 */
function cost(request: Readonly<Record<string, unknown>> | undefined): number {
  if (request?.cmd === Cmd.ROOMS)
    return 1 + Math.ceil(pageOf(request, ROOMS_PAGE, ROOMS_PAGE) / 10);
  if (request?.cmd === Cmd.HISTORY) {
    return 1 + Math.ceil(pageOf(request, DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT) / 20);
  }
  return 1;
}

/** The page a request asks for: its `limit` within 1 and `most`, or `fallback`. */
function pageOf(
  request: Readonly<Record<string, unknown>>,
  fallback: number,
  most: number,
): number {
  const { limit } = request;
  return Number.isSafeInteger(limit) ? Math.min(most, Math.max(1, limit as number)) : fallback;
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
