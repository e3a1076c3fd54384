/**
 * When a reconnecting client tries again, and when it stops: backoff with jitter, a server's
 * `retryAfterMs` believed, refusals that pass (a nickname still held by the lost connection)
 * told from those that do not.
 */
import type { NatterError } from './errors.js';

/** How a client reconnects: `connect({ reconnect: { ... } })`; every field has a default. */
export interface ReconnectOptions {
  /** The wait before the first attempt, in milliseconds; default 500. Each next one doubles. */
  initialDelayMs?: number;
  /** The longest wait between attempts, in milliseconds; default 10000. */
  maxDelayMs?: number;
  /** Each wait is made up to this fraction longer or shorter, at random; default 0.3. */
  jitter?: number;
  /**
   * How long refusals that pass are retried, in milliseconds from the loss; default 45000. A
   * lost connection may hold the nickname until the server notices it is gone (up to twice its
   * heartbeat, 30 s), or the room may be full for a moment; a restarted server may be busy.
   */
  refusalsForMs?: number;
  /** Attempts after which the client gives up and closes; default: never. */
  maxAttempts?: number;
}

/** Reconnect options with every field filled in. */
export type RetryPolicy = Required<ReconnectOptions>;

/** What `reconnect: true` means. */
export const DEFAULT_RETRY: RetryPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 10_000,
  jitter: 0.3,
  refusalsForMs: 45_000,
  maxAttempts: Infinity,
};

/** The policy `reconnect` asks for, or undefined when it asks for none. */
export function retryPolicy(
  option: boolean | ReconnectOptions | undefined,
): RetryPolicy | undefined {
  if (!option) return undefined;
  if (option === true) return DEFAULT_RETRY;
  const policy = { ...DEFAULT_RETRY };
  for (const key of Object.keys(DEFAULT_RETRY) as (keyof RetryPolicy)[]) {
    const value = option[key];
    if (value !== undefined) policy[key] = value;
  }
  return policy;
}

/**
 * The wait before attempt `attempt` (1 for the first): `initialDelayMs` doubled per attempt up
 * to `maxDelayMs`, made longer or shorter by up to `jitter` (so that the clients of a
 * restarted server do not all come back at once), or the server's `retryAfterMs` when it asks
 * for longer.
 * @param random a number in [0, 1)
 */
export function retryDelay(
  attempt: number,
  policy: RetryPolicy,
  random: number,
  error?: NatterError,
): number {
  const doublings = Math.min(Math.max(attempt - 1, 0), 30);
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** doublings);
  const jittered = Math.round(base * (1 - policy.jitter + 2 * policy.jitter * random));
  const asked = Number(error?.response?.retryAfterMs);
  return Number.isFinite(asked) && asked > jittered ? asked : jittered;
}

/**
 * Closures for what this client did: coming back would be refused or closed again (frame too
 * large, banned phrase, flooding, the nickname taken meanwhile), and an operator's: a kicked
 * member coming straight back would undo the kick (and again, and again), and a banned one would
 * only be refused.
 */
const FINAL_CLOSES: ReadonlySet<string> = new Set(['902', '911', '917', '924', '929', '931']);

/** True when a lost connection is worth getting back: it was not closed for good. */
export function worthReconnecting(reason: NatterError): boolean {
  return !FINAL_CLOSES.has(reason.code);
}

/** Refusals that pass: the nickname or a place still held, the server busy or shutting down. */
const PASSING_REFUSALS: ReadonlySet<string> = new Set([
  '01',
  '02',
  '912',
  '920',
  '921',
  '922',
  '923',
]);

/**
 * True when an attempt that failed with `error`, `lostForMs` after the connection was lost, is
 * worth repeating. A refusal is an answer from a live server: those that pass are retried for
 * a while, the rest (an invalid nickname...) never. Anything else means no server yet.
 */
export function worthRetrying(error: NatterError, lostForMs: number, policy: RetryPolicy): boolean {
  const refusal = /^\d+$/.test(error.code);
  if (!refusal) return true;
  return PASSING_REFUSALS.has(error.code) && lostForMs < policy.refusalsForMs;
}
