/**
 * What both history stores check the same way: the limits they are given and the page queries
 * they are asked.
 */
import {
  DEFAULT_HISTORY_LIMITS,
  type HistoryChat,
  type HistoryLimits,
  type HistoryOptions,
  type HistoryTimers,
  type PageQuery,
} from './history.js';

/** A store's options with every default filled in. */
export interface ResolvedHistoryOptions extends HistoryLimits {
  readonly now: () => number;
  readonly timers: HistoryTimers;
}

const nodeTimers: HistoryTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
};

/** Fills in the defaults and checks each limit; throws a RangeError naming a bad one. */
export function resolveHistoryOptions(options: HistoryOptions = {}): ResolvedHistoryOptions {
  const limits: HistoryLimits = {
    maxPerRoom: options.maxPerRoom ?? DEFAULT_HISTORY_LIMITS.maxPerRoom,
    maxAgeMs: options.maxAgeMs ?? DEFAULT_HISTORY_LIMITS.maxAgeMs,
    dedupeWindowMs: options.dedupeWindowMs ?? DEFAULT_HISTORY_LIMITS.dedupeWindowMs,
    dedupeWindowChats: options.dedupeWindowChats ?? DEFAULT_HISTORY_LIMITS.dedupeWindowChats,
    sweepIntervalMs: options.sweepIntervalMs ?? DEFAULT_HISTORY_LIMITS.sweepIntervalMs,
    sweepBatch: options.sweepBatch ?? DEFAULT_HISTORY_LIMITS.sweepBatch,
  };
  for (const key of ['maxPerRoom', 'dedupeWindowChats', 'sweepBatch'] as const) {
    if (!Number.isSafeInteger(limits[key]) || limits[key] < 1) {
      throw new RangeError(`history: ${key} must be a positive integer, not ${limits[key]}`);
    }
  }
  for (const key of ['maxAgeMs', 'dedupeWindowMs', 'sweepIntervalMs'] as const) {
    // Infinity is allowed for the age only: the sweep must run, and the window must end.
    const value = limits[key];
    const ok = key === 'maxAgeMs' && value === Infinity ? true : Number.isFinite(value);
    if (!ok || value <= 0) {
      throw new RangeError(`history: ${key} must be a positive number of ms, not ${value}`);
    }
  }
  return { ...limits, now: options.now ?? Date.now, timers: options.timers ?? nodeTimers };
}

/** Throws a RangeError unless `limit` is a positive integer and `before`/`after` integers. */
export function checkPageQuery(query: PageQuery): void {
  if (!Number.isSafeInteger(query.limit) || query.limit < 1) {
    throw new RangeError(`history: limit must be a positive integer, not ${query.limit}`);
  }
  for (const key of ['before', 'after'] as const) {
    const value = query[key];
    if (value !== undefined && !Number.isSafeInteger(value)) {
      throw new RangeError(`history: ${key} must be an integer seq, not ${value}`);
    }
  }
}

/**
 * Whether a cid accepted as `seq` at `ts` is still within the dedupe window of a room whose last
 * seq is `lastSeq`: accepted less than `dedupeWindowMs` ago, or among the last
 * `dedupeWindowChats` seqs.
 */
export function withinDedupeWindow(
  options: ResolvedHistoryOptions,
  entry: { readonly seq: number; readonly ts: number },
  lastSeq: number,
  now: number,
): boolean {
  return now - entry.ts < options.dedupeWindowMs || lastSeq - entry.seq < options.dedupeWindowChats;
}

/** Throws a RangeError unless the chat's fields have the types the stores keep. */
export function checkChat(chat: HistoryChat): void {
  if (!Number.isSafeInteger(chat.ts)) {
    throw new RangeError(`history: ts must be integer milliseconds, not ${chat.ts}`);
  }
  if (typeof chat.from !== 'string' || typeof chat.msg !== 'string') {
    throw new RangeError('history: from and msg must be strings');
  }
  if (chat.cid !== undefined && typeof chat.cid !== 'string') {
    throw new RangeError('history: cid must be a string');
  }
}
