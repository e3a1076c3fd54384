import { addressKey } from '../../addresses.js';
import type { OperatorConfig } from '../../config/operators.js';
import { hashPassword, parsePasswordHash, verifyPassword } from '../../moderation/password.js';
import type { Clock } from '../clock.js';

/** Failed OPERs an address may make within {@link FAILURE_WINDOW_MS} (rule 13.2)... */
export const MAX_OPER_FAILURES = 5;
/** ...after which its attempts are refused until the window has passed. */
export const FAILURE_WINDOW_MS = 60_000;
/**
 * Password checks under way at once, server-wide: each holds one of libuv's four pool threads
 * and 32 MiB for about 0.3 s, so a burst of OPERs must not take the pool from everything else.
 */
export const MAX_CHECKS_AT_ONCE = 2;
/** Addresses whose failures are remembered at most: a flood of addresses cannot grow it. */
const MAX_TRACKED_ADDRESSES = 10_000;

/** An address's attempts in its current window. */
interface Attempts {
  count: number;
  /** When its window began, by the server's clock. */
  readonly since: number;
}

/** What an OPER attempt came to. */
export type OperCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'wrong' }
  | { readonly ok: false; readonly reason: 'rate-limited'; readonly retryAfterMs: number };

/**
 * The operators of the configuration and the checks of OPER (docs/protocol.md, rule 13.2):
 * password hashes verified off the event loop (scrypt runs in libuv's pool), a few at a time;
 * the same work for a name that does not exist as for a wrong password (a decoy hash with the
 * configured hashes' parameters), so the time taken does not tell which names exist; and
 * attempts limited per address (an IPv6 client by its prefix, as the connection limits count
 * it), counted before the check so that attempts made at once cannot pass together. The table
 * can be replaced (SIGHUP).
 */
export class Operators {
  private table = new Map<string, string>();
  private readonly attempts = new Map<string, Attempts>();
  private checking = 0;
  /** A hash of nothing anyone knows, checked for unknown names. */
  private decoy: Promise<string> | undefined;

  /** @param ipv6Prefix how many leading bits count an IPv6 client (as the connection limits) */
  constructor(
    operators: readonly OperatorConfig[],
    private readonly clock: Clock,
    private readonly ipv6Prefix = 64,
  ) {
    this.reload(operators);
  }

  /** Replaces the table (a configuration reloaded). */
  reload(operators: readonly OperatorConfig[]): void {
    this.table = new Map(operators.map((o) => [o.name, o.passwordHash]));
    this.decoy = undefined;
    // Made now, with the parameters of the configured hashes, so that an unknown name costs
    // what a known one does from the first OPER on.
    if (operators.length > 0) void this.decoyHash().catch(() => undefined);
  }

  /** The password hash of an operator of the configuration, or undefined. */
  hashOf(name: string): string | undefined {
    return this.table.get(name);
  }

  /**
   * Checks an OPER from `address`: refused without a check while the address is over its
   * attempts, or while the server is checking as many as it will at once; else the password
   * verified against the operator's hash. An attempt counts until it has succeeded.
   */
  async check(name: string, password: string, address: string): Promise<OperCheck> {
    const key = addressKey(address, this.ipv6Prefix);
    const retryAfterMs = this.blockedFor(key);
    if (retryAfterMs > 0) return { ok: false, reason: 'rate-limited', retryAfterMs };
    if (this.checking >= MAX_CHECKS_AT_ONCE) {
      return { ok: false, reason: 'rate-limited', retryAfterMs: 1000 };
    }
    this.count(key);
    this.checking++;
    try {
      const hash = this.table.get(name);
      const ok = await verifyPassword(password, hash ?? (await this.decoyHash()));
      if (ok && hash !== undefined && this.table.get(name) === hash) {
        this.uncount(key);
        return { ok: true };
      }
      return { ok: false, reason: 'wrong' };
    } finally {
      this.checking--;
    }
  }

  /** Milliseconds until the address (key) may try again; 0 when it may now. */
  private blockedFor(key: string): number {
    const attempts = this.attempts.get(key);
    if (!attempts) return 0;
    const left = attempts.since + FAILURE_WINDOW_MS - this.clock.now();
    if (left <= 0) {
      this.attempts.delete(key);
      return 0;
    }
    return attempts.count >= MAX_OPER_FAILURES ? Math.ceil(left) : 0;
  }

  private count(key: string): void {
    const now = this.clock.now();
    const attempts = this.attempts.get(key);
    if (attempts && now - attempts.since < FAILURE_WINDOW_MS) {
      attempts.count++;
      return;
    }
    if (this.attempts.size >= MAX_TRACKED_ADDRESSES) this.forgetOld(now);
    this.attempts.set(key, { count: 1, since: now });
  }

  /** A successful attempt does not count against its address. */
  private uncount(key: string): void {
    const attempts = this.attempts.get(key);
    if (attempts && --attempts.count <= 0) this.attempts.delete(key);
  }

  /** Forgets windows that have passed, and if none had, the oldest one (insertion order). */
  private forgetOld(now: number): void {
    for (const [key, attempts] of this.attempts) {
      if (now - attempts.since >= FAILURE_WINDOW_MS) this.attempts.delete(key);
    }
    if (this.attempts.size >= MAX_TRACKED_ADDRESSES) {
      this.attempts.delete(this.attempts.keys().next().value!);
    }
  }

  /** The decoy: a hash made with the parameters of the first configured hash. */
  private decoyHash(): Promise<string> {
    const first = this.table.values().next().value;
    const parameters = first === undefined ? undefined : parsePasswordHash(first);
    this.decoy ??= hashPassword(`decoy ${Math.random()} ${Date.now()}`, parameters);
    return this.decoy;
  }
}
