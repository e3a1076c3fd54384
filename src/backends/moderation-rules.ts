/**
 * What every moderation store does the same way: checking what it is given, naming what a ban
 * or mute holds, choosing among several that match, and telling listeners of changes.
 */
import { parseAddressBlock } from '../moderation/address-match.js';
import { nicknameKeys } from '../protocol/names.js';
import type {
  AuditDetails,
  AuditEntry,
  AuditQuery,
  Ban,
  BanTarget,
  ModerationChange,
  Mute,
  NewAuditEntry,
  NewBan,
  NewMute,
} from './moderation.js';

/** What a target holds: its kind, its text as kept, and the keys it is found by. */
export interface Held {
  readonly kind: 'nickname' | 'address';
  /** The nickname as given, or the block's canonical text. */
  readonly target: string;
  /** The nickname's keys (`nicknameKeys`), or the block's canonical text alone. */
  readonly keys: readonly string[];
}

/** A checked ban or mute, its times set, waiting for an id. */
export interface Prepared extends Held {
  readonly reason: string;
  readonly by: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
}

/** What a ban target holds; throws RangeError (or AddressError) for one that cannot be kept. */
export function heldBy(target: BanTarget): Held {
  const { nickname, address } = target as { nickname?: unknown; address?: unknown };
  if ((nickname === undefined) === (address === undefined)) {
    throw new RangeError('moderation: give a nickname or an address, not both or neither');
  }
  if (nickname !== undefined) return heldNickname(nickname);
  const { text } = parseAddressBlock(address as string);
  return { kind: 'address', target: text, keys: [text] };
}

/** What a nickname holds; throws RangeError unless it is a string with something in it. */
export function heldNickname(nickname: unknown): Held {
  if (typeof nickname !== 'string' || nickname.length === 0) {
    throw new RangeError('moderation: a nickname must be a non-empty string');
  }
  return { kind: 'nickname', target: nickname, keys: nicknameKeys(nickname) };
}

/** Checks a new ban and sets its times from `now`. */
export function prepareBan(ban: NewBan, now: number): Prepared {
  return prepare(heldBy(ban), ban, now);
}

/** Checks a new mute and sets its times from `now`. */
export function prepareMute(mute: NewMute, now: number): Prepared {
  return prepare(heldNickname(mute.nickname), mute, now);
}

function prepare(
  held: Held,
  given: { reason?: unknown; by?: unknown; durationMs?: unknown },
  now: number,
): Prepared {
  const { reason = '', by, durationMs } = given;
  if (typeof reason !== 'string') throw new RangeError('moderation: a reason must be a string');
  if (typeof by !== 'string' || by.length === 0) {
    throw new RangeError("moderation: the operator's name must be a non-empty string");
  }
  let expiresAt: number | null = null;
  if (durationMs !== undefined) {
    const ms = durationMs as number;
    if (!Number.isSafeInteger(ms) || ms <= 0 || !Number.isSafeInteger(now + ms)) {
      throw new RangeError(`moderation: durationMs must be a positive integer, not ${ms}`);
    }
    expiresAt = now + ms;
  }
  return { ...held, reason, by, createdAt: now, expiresAt };
}

/** Checks an audit entry and stamps it; throws RangeError for one that cannot be kept. */
export function prepareAudit(entry: NewAuditEntry, now: number): Omit<AuditEntry, 'id'> {
  const { by, action, target = '', reason = '', details = {} } = entry;
  for (const [name, value] of [
    ['by', by],
    ['action', action],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0) {
      throw new RangeError(`moderation: an audit entry's ${name} must be a non-empty string`);
    }
  }
  if (typeof target !== 'string' || typeof reason !== 'string') {
    throw new RangeError("moderation: an audit entry's target and reason must be strings");
  }
  if (typeof details !== 'object' || details === null || Array.isArray(details)) {
    throw new RangeError("moderation: an audit entry's details must be an object");
  }
  const kept: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(details)) {
    const ok =
      value === null ||
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value));
    if (!ok) {
      throw new RangeError(
        `moderation: audit detail ${key} must be a string, a finite number, a boolean or null`,
      );
    }
    kept[key] = value;
  }
  return { at: now, by, action, target, reason, details: kept as AuditDetails };
}

/** Throws a RangeError unless the limit is a positive integer and `before` an integer. */
export function checkAuditQuery(query: AuditQuery): void {
  if (!Number.isSafeInteger(query.limit) || query.limit < 1) {
    throw new RangeError(`moderation: limit must be a positive integer, not ${query.limit}`);
  }
  if (query.before !== undefined && !Number.isSafeInteger(query.before)) {
    throw new RangeError(`moderation: before must be an integer id, not ${query.before}`);
  }
}

/** Whether an entry is in force at `now`. */
export function active(entry: { readonly expiresAt: number | null }, now: number): boolean {
  return entry.expiresAt === null || entry.expiresAt > now;
}

type Timed = { readonly id: string; readonly createdAt: number; readonly expiresAt: number | null };

/**
 * Orders entries as a find chooses among them: the one that ends last first (one until lifted
 * before any), then the newest, then the highest id.
 */
export function lastingFirst(a: Timed, b: Timed): number {
  const end = (e: Timed) => e.expiresAt ?? Infinity;
  return end(b) - end(a) || b.createdAt - a.createdAt || compareIds(b.id, a.id);
}

/** Orders entries as lists return them: oldest first, then by id. */
export function oldestFirst(a: Timed, b: Timed): number {
  return a.createdAt - b.createdAt || compareIds(a.id, b.id);
}

/** Ids are decimal counters in every store: compared as numbers, without losing precision. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** A ban or mute without the keys a store used to find it. */
export function banOf(id: string, p: Prepared): Ban {
  const { kind, target, reason, by, createdAt, expiresAt } = p;
  return { id, kind, target, reason, by, createdAt, expiresAt };
}

export function muteOf(id: string, p: Prepared): Mute {
  const { target, reason, by, createdAt, expiresAt } = p;
  return { id, nickname: target, reason, by, createdAt, expiresAt };
}

/** The listeners of one store; one that throws is reported and the others still hear. */
export class ChangeListeners {
  private readonly listeners = new Set<(change: ModerationChange) => void>();

  constructor(private readonly onError: (error: unknown) => void) {}

  add(listener: (change: ModerationChange) => void): () => void {
    // A wrapper per call: the same function added twice is called twice, and removed once each.
    const wrapper = (change: ModerationChange) => listener(change);
    this.listeners.add(wrapper);
    return () => this.listeners.delete(wrapper);
  }

  emit(change: ModerationChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.onError(error);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

/** The default for {@link ModerationOptions.onError}. */
export function warn(error: unknown): void {
  process.emitWarning(error instanceof Error ? error : new Error(String(error)));
}
