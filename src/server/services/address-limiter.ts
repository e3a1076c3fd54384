import net from 'node:net';
import { addToBlockList, addressKey } from '../../addresses.js';
import { TokenBucket } from './token-bucket.js';

/** Per-address connection limits (rules 3.10, 3.11). */
export interface AddressLimits {
  /** Open connections per address. */
  readonly maxConnectionsPerIp: number;
  /** New connections per address: a bucket of this size... */
  readonly ipConnectBurst: number;
  /** ...refilled at this many connections per second. */
  readonly ipConnectRate: number;
  /** Addresses or CIDR blocks exempt from these limits and from flood control. */
  readonly exemptAddresses: readonly string[];
  /** IPv6 clients are counted by this many leading bits of their address (128: each apart). */
  readonly ipv6Prefix: number;
}

/** Why a new connection is refused, if it is. */
export type AddressVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'per-ip' }
  | { readonly ok: false; readonly reason: 'rate'; readonly retryAfterMs: number };

interface AddressState {
  open: number;
  bucket: TokenBucket;
}

/**
 * Counts connections per client address and rate-limits new ones. An IPv6 client counts as its
 * /64 (`ipv6Prefix`), an IPv4-mapped one as its IPv4 address (see {@link addressKey}): one
 * client holding a /64 would otherwise have 2^64 addresses. State exists only for addresses
 * with open connections or a bucket still refilling, so it stays bounded.
 */
export class AddressLimiter {
  private readonly exempt = new net.BlockList();
  private readonly byAddress = new Map<string, AddressState>();

  constructor(private readonly limits: AddressLimits) {
    for (const entry of limits.exemptAddresses) addToBlockList(this.exempt, entry);
  }

  /** Decides on a new connection from `ip`; when admitted, it counts as open until released. */
  admit(ip: string, now: number): AddressVerdict {
    if (this.isExempt(ip)) return { ok: true };
    const key = addressKey(ip, this.limits.ipv6Prefix);
    let state = this.byAddress.get(key);
    if (!state) {
      state = {
        open: 0,
        bucket: new TokenBucket(this.limits.ipConnectBurst, this.limits.ipConnectRate, now),
      };
      this.byAddress.set(key, state);
    }
    if (state.open >= this.limits.maxConnectionsPerIp) return { ok: false, reason: 'per-ip' };
    const wait = state.bucket.take(now);
    if (wait > 0) return { ok: false, reason: 'rate', retryAfterMs: wait };
    state.open++;
    return { ok: true };
  }

  /** A connection admitted from `ip` has closed. */
  release(ip: string): void {
    const state = this.byAddress.get(addressKey(ip, this.limits.ipv6Prefix));
    if (state && state.open > 0) state.open--;
  }

  /** Forgets addresses with nothing open and a full bucket; call now and then. */
  prune(now: number): void {
    for (const [key, state] of this.byAddress) {
      if (state.open === 0 && state.bucket.isFull(now)) this.byAddress.delete(key);
    }
  }

  /** Number of addresses tracked (for tests and metrics). */
  get size(): number {
    return this.byAddress.size;
  }

  /** True for an address in `exemptAddresses` (an IPv4-mapped one checked as IPv4). */
  isExempt(ip: string): boolean {
    if (net.isIP(ip) === 0) return false;
    const plain = addressKey(ip, 128);
    return this.exempt.check(plain, net.isIPv6(plain) ? 'ipv6' : 'ipv4');
  }
}
