import { readFileSync, readdirSync } from 'node:fs';
import { encode } from '../../protocol/encode.js';
import { errorMessage, type ErrorName } from '../../protocol/errors.js';
import type { Clock } from '../clock.js';
import type { Counters } from '../counters.js';
import type { Link } from '../link.js';
import type { Logger } from '../logger.js';
import type { Endpoints } from '../session.js';
import { AddressLimiter, type AddressLimits } from './address-limiter.js';

/** The limits admission enforces (rules 3.10, 3.11, 3.13). */
export interface AdmissionLimits extends AddressLimits {
  /** Open connections, in all. */
  readonly maxConnections: number;
}

/** Why a new connection is turned away. */
export interface Refusal {
  readonly error: ErrorName;
  readonly fields?: { readonly retryAfterMs: number };
}

/**
 * How long a refused connection may stay open for its refusal to be read; it closes sooner when
 * the client closes its side.
 */
const REFUSAL_LINGER_MS = 250;

/** True for an address only this machine can reach: 127.0.0.0/8 or ::1. */
function isLoopback(address: string): boolean {
  return address === '::1' || /^127\./.test(address) || /^::ffff:127\./i.test(address);
}

/** Descriptors kept free for everything that is not a client connection (logs, DNS, files). */
const FD_RESERVE = 16;

/**
 * Who may connect (docs/protocol.md, rules 3.8, 3.10, 3.11 and 3.13): nobody while the server
 * shuts down, at most `maxConnections` in all, per-address counts and connection rates, and
 * enough file descriptors left for the clients already here. A refused client is told why in
 * one line, then closed.
 */
export class Admission {
  private readonly addresses: AddressLimiter;
  private closed = false;
  private lastRefusalLog = -Infinity;
  /** The process's descriptor limit, where the system tells it (Linux); else undefined. */
  private readonly fdLimit = softDescriptorLimit();
  /** Descriptors in use before the first client: the budget for clients is what is left. */
  private baselineFds = 0;
  /** Refused connections not yet past their linger: they hold descriptors too. */
  private lingering = 0;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly counters: Counters,
  ) {
    this.addresses = new AddressLimiter(limits);
  }

  /**
   * Decides on a new connection while `open` are open; an admitted one counts against its
   * address until {@link release}d.
   */
  check(endpoints: Endpoints, open: number): Refusal | undefined {
    if (this.closed) return { error: 'SERVER_SHUTTING_DOWN' };
    if (open >= this.limits.maxConnections) return { error: 'TOO_MANY_CONNECTIONS' };
    const verdict = this.addresses.admit(endpoints.remoteAddress, this.clock.now());
    if (verdict.ok) return undefined;
    return verdict.reason === 'per-ip'
      ? { error: 'TOO_MANY_CONNECTIONS_FROM_IP' }
      : { error: 'CONNECTION_RATE_LIMITED', fields: { retryAfterMs: verdict.retryAfterMs } };
  }

  /**
   * Turns a new connection away at once, saying why: the error is written and the link ended,
   * and it is destroyed after REFUSAL_LINGER_MS at most. Its transport discards whatever the
   * client sends meanwhile, and closes it as soon as the client closes its side.
   */
  refuse(link: Link, refusal: Refusal): void {
    const frame = Buffer.from(encode(errorMessage(refusal.error, { fields: refusal.fields })));
    this.counters.error(refusal.error);
    this.counters.bytesOut += frame.length;
    link.write(frame);
    link.end();
    this.lingering++;
    this.clock
      .setTimeout(() => {
        this.lingering--;
        link.destroy();
      }, REFUSAL_LINGER_MS)
      .unref();
    const now = this.clock.now();
    if (now - this.lastRefusalLog > 10_000) {
      this.lastRefusalLog = now;
      this.logger.warn(`refusing connections: ${refusal.error}`);
    }
  }

  /** A connection admitted from `address` has ended its session: its place is free. */
  release(address: string): void {
    this.addresses.release(address);
  }

  /** True for a client address exempt from flood control and per-address limits. */
  isExempt(address: string): boolean {
    return this.addresses.isExempt(address);
  }

  /**
   * A warning for a server that listens beyond loopback while loopback is exempt (the default):
   * behind a reverse proxy or TLS terminator on the same machine, every client would arrive from
   * loopback and so escape flood control and the per-address limits. Undefined when it does not
   * apply.
   * @param listening the addresses the server listens on
   */
  loopbackExemptionWarning(listening: readonly string[]): string | undefined {
    const beyond = listening.filter((a) => !isLoopback(a));
    if (!beyond.length || !(this.isExempt('127.0.0.1') || this.isExempt('::1'))) return undefined;
    return (
      `listening on ${beyond.join(', ')} with loopback exempt from flood control and the ` +
      'per-address limits: if clients come through a proxy on this machine, they are all ' +
      'exempt; set exemptAddresses to none (--exempt-address "") unless that is intended'
    );
  }

  /** Admits nobody from now on (a shutdown). */
  close(): void {
    this.closed = true;
  }

  /** Forgets addresses with nothing open and a full bucket; call now and then. */
  prune(): void {
    this.addresses.prune(this.clock.now());
  }

  /** Counts the descriptors in use before any client: call once the server listens. */
  measureDescriptors(): void {
    this.baselineFds = countOpenDescriptors() ?? 0;
  }

  /**
   * True when one more client, with `open` open (and the refused ones still lingering), would
   * leave fewer than 16 descriptors free.
   */
  descriptorsShort(open: number): boolean {
    if (this.fdLimit === undefined) return false;
    return this.baselineFds + open + this.lingering + 1 + FD_RESERVE > this.fdLimit;
  }
}

/** The soft RLIMIT_NOFILE, from /proc (Linux); undefined where that cannot be read. */
function softDescriptorLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft && /^\d+$/.test(soft) ? Number(soft) : undefined;
  } catch {
    return undefined;
  }
}

/** Descriptors this process has open now, from /proc (Linux); undefined elsewhere. */
function countOpenDescriptors(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}
