import net from 'node:net';

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
   * Takes one token.
   * @returns 0 when taken, else how many milliseconds until a token is available
   */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000);
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

/** Per-address connection limits (rules 3.10, 3.11). */
export interface IpLimits {
  /** Open connections per address. */
  readonly maxConnectionsPerIp: number;
  /** New connections per address: a bucket of this size... */
  readonly ipConnectBurst: number;
  /** ...refilled at this many connections per second. */
  readonly ipConnectRate: number;
  /** Addresses or CIDR blocks exempt from these limits and from flood control. */
  readonly exemptAddresses: readonly string[];
}

/** Why a new connection is refused, if it is. */
export type Admission =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'per-ip' }
  | { readonly ok: false; readonly reason: 'rate'; readonly retryAfterMs: number };

interface AddressState {
  open: number;
  bucket: TokenBucket;
}

/**
 * Counts connections per client address and rate-limits new ones. State exists only for
 * addresses with open connections or a bucket still refilling, so it stays bounded.
 */
export class IpLimiter {
  private readonly exempt = new net.BlockList();
  private readonly byAddress = new Map<string, AddressState>();

  constructor(private readonly limits: IpLimits) {
    for (const entry of limits.exemptAddresses) addToBlockList(this.exempt, entry);
  }

  /** Decides on a new connection from `ip`; when admitted, it counts as open until released. */
  admit(ip: string, now: number): Admission {
    if (this.isExempt(ip)) return { ok: true };
    let state = this.byAddress.get(ip);
    if (!state) {
      state = {
        open: 0,
        bucket: new TokenBucket(this.limits.ipConnectBurst, this.limits.ipConnectRate, now),
      };
      this.byAddress.set(ip, state);
    }
    if (state.open >= this.limits.maxConnectionsPerIp) return { ok: false, reason: 'per-ip' };
    const wait = state.bucket.take(now);
    if (wait > 0) return { ok: false, reason: 'rate', retryAfterMs: wait };
    state.open++;
    return { ok: true };
  }

  /** A connection admitted from `ip` has closed. */
  release(ip: string): void {
    const state = this.byAddress.get(ip);
    if (state && state.open > 0) state.open--;
  }

  /** Forgets addresses with nothing open and a full bucket; call now and then. */
  prune(now: number): void {
    for (const [ip, state] of this.byAddress) {
      if (state.open === 0 && state.bucket.isFull(now)) this.byAddress.delete(ip);
    }
  }

  /** Number of addresses tracked (for tests and metrics). */
  get size(): number {
    return this.byAddress.size;
  }

  /** True for an address in `exemptAddresses`. */
  isExempt(ip: string): boolean {
    const family = net.isIPv6(ip) ? 'ipv6' : 'ipv4';
    return net.isIP(ip) !== 0 && this.exempt.check(ip, family);
  }
}

/** Adds `10.0.0.1`, `10.0.0.0/8`, `::1` or `fd00::/8` to a block list; throws when invalid. */
export function addToBlockList(list: net.BlockList, entry: string): void {
  const [address = '', prefix] = entry.split('/');
  const family = net.isIPv6(address) ? 'ipv6' : net.isIPv4(address) ? 'ipv4' : undefined;
  if (!family) throw new Error(`not an IP address or CIDR block: ${entry}`);
  if (prefix === undefined) {
    list.addAddress(address, family);
    return;
  }
  const bits = Number(prefix);
  const max = family === 'ipv4' ? 32 : 128;
  if (!/^\d+$/.test(prefix) || bits > max) throw new Error(`bad prefix length in ${entry}`);
  list.addSubnet(address, bits, family);
}
