import type { OperatorConfig } from '../../config/operators.js';
import { hashPassword, verifyPassword } from '../../moderation/password.js';
import type { Clock } from '../clock.js';

/** Failed OPERs an address may make within {@link FAILURE_WINDOW_MS} (rule 13.2)... */
export const MAX_OPER_FAILURES = 5;
/** ...after which its attempts are refused until the window has passed. */
export const FAILURE_WINDOW_MS = 60_000;
/** Addresses whose failures are remembered at most: a flood of addresses cannot grow it. */
const MAX_TRACKED_ADDRESSES = 10_000;

/** An address's failures in its current window. */
interface Failures {
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
 * password hashes verified off the event loop (scrypt runs in libuv's pool), the same work for
 * a name that does not exist as for a wrong password (so the time taken does not tell which
 * names exist), and failures limited per address. The table can be replaced (SIGHUP).
 */
export class Operators {
  private table = new Map<string, string>();
  private readonly failures = new Map<string, Failures>();
  /** A hash of nothing anyone knows, checked for unknown names; made on first need. */
  private decoy: Promise<string> | undefined;

  constructor(
    operators: readonly OperatorConfig[],
    private readonly clock: Clock,
  ) {
    this.reload(operators);
  }

  /** Replaces the table (a configuration reloaded). */
  reload(operators: readonly OperatorConfig[]): void {
    this.table = new Map(operators.map((o) => [o.name, o.passwordHash]));
  }

  /** True while `name` is an operator of the configuration. */
  has(name: string): boolean {
    return this.table.has(name);
  }

  /**
   * Checks an OPER from `address`: refused without a check while the address is over its
   * failures, else the password verified against the operator's hash.
   */
  async check(name: string, password: string, address: string): Promise<OperCheck> {
    const retryAfterMs = this.blockedFor(address);
    if (retryAfterMs > 0) return { ok: false, reason: 'rate-limited', retryAfterMs };
    const hash = this.table.get(name);
    // An unknown name costs what a known one does.
    const ok = await verifyPassword(password, hash ?? (await this.decoyHash()));
    if (ok && hash !== undefined && this.table.get(name) === hash) return { ok: true };
    this.fail(address);
    return { ok: false, reason: 'wrong' };
  }

  /** Milliseconds until `address` may try again; 0 when it may now. */
  private blockedFor(address: string): number {
    const failures = this.failures.get(address);
    if (!failures) return 0;
    const left = failures.since + FAILURE_WINDOW_MS - this.clock.now();
    if (left <= 0) {
      this.failures.delete(address);
      return 0;
    }
    return failures.count >= MAX_OPER_FAILURES ? Math.ceil(left) : 0;
  }

  private fail(address: string): void {
    const now = this.clock.now();
    const failures = this.failures.get(address);
    if (failures && now - failures.since < FAILURE_WINDOW_MS) {
      failures.count++;
      return;
    }
    if (this.failures.size >= MAX_TRACKED_ADDRESSES) this.forgetOld(now);
    this.failures.set(address, { count: 1, since: now });
  }

  /** Forgets windows that have passed, and if none had, the oldest one (insertion order). */
  private forgetOld(now: number): void {
    for (const [address, failures] of this.failures) {
      if (now - failures.since >= FAILURE_WINDOW_MS) this.failures.delete(address);
    }
    if (this.failures.size >= MAX_TRACKED_ADDRESSES) {
      this.failures.delete(this.failures.keys().next().value!);
    }
  }

  private decoyHash(): Promise<string> {
    this.decoy ??= hashPassword(`decoy ${Math.random()} ${Date.now()}`);
    return this.decoy;
  }
}
