/**
 * Operators and moderation (docs/protocol.md, section 13) as the library offers them: what an
 * operator asks, and the answers, converted so that they have the types they promise whatever
 * arrived (as history.ts does for HISTORY).
 */
import { Cmd } from '../protocol/codes.js';
import type { AuditEntry, BanInfo, MuteInfo } from '../protocol/messages.js';
import type { AuditRequest, BanRequest, UnbanRequest } from '../protocol/requests.js';
import { NatterError } from './errors.js';

export type { AuditEntry, BanInfo, MuteInfo } from '../protocol/messages.js';

/** What to ban: a nickname, an address or CIDR block, or both (two bans are made). */
export interface BanOptions {
  nickname?: string;
  /** An IPv4 or IPv6 address or a CIDR block: `192.0.2.7`, `198.51.100.0/24`, `2001:db8::/32`. */
  address?: string;
  /** How long, in milliseconds (1 to 100 years' worth); without it, until lifted. */
  durationMs?: number;
  /** Why, as the banned member will read it (at most 300 characters). */
  reason?: string;
}

/** Which bans to lift: those of a nickname, of an address or block (as banned), or one by id. */
export interface UnbanOptions {
  nickname?: string;
  address?: string;
  /** A ban's `id`, as {@link BanInfo} gives it. */
  id?: string;
}

/** Which page of the audit log to read, newest first. */
export interface AuditQuery {
  /** Only entries older than this `id` (the last entry of the previous page). */
  before?: number;
  /** At most this many (1 to 200; the server's default is 50). */
  limit?: number;
}

/** What BAN did. */
export interface BanResult {
  /** The ban of the nickname, or of the address when only that was given. */
  ban: BanInfo;
  /** Every ban made: two when both a nickname and an address were given. */
  bans: BanInfo[];
  /** The members the ban disconnected, on every node. */
  kicked: string[];
}

/** The active bans and mutes, newest first. */
export interface BanList {
  bans: BanInfo[];
  mutes: MuteInfo[];
}

/** A page of the audit log, newest first. */
export interface AuditPage {
  entries: AuditEntry[];
  /** Older entries remain: ask again with the last entry's `id` as `before`. */
  more: boolean;
}

/** The BAN request for `options`; rejects one that names nothing to ban. */
export function banRequest(options: BanOptions): BanRequest {
  const request: BanRequest = { cmd: Cmd.BAN };
  if (options.nickname !== undefined) request.nickname = options.nickname;
  if (options.address !== undefined) request.address = options.address;
  if (request.nickname === undefined && request.address === undefined) {
    throw new NatterError('EINVAL', 'a ban needs a nickname, an address, or both');
  }
  if (options.durationMs !== undefined) request.durationMs = options.durationMs;
  if (options.reason !== undefined) request.reason = options.reason;
  return request;
}

/** The UNBAN request for `options`; rejects one that names nothing to lift. */
export function unbanRequest(options: UnbanOptions): UnbanRequest {
  const request: UnbanRequest = { cmd: Cmd.UNBAN };
  if (options.nickname !== undefined) request.nickname = options.nickname;
  if (options.address !== undefined) request.address = options.address;
  // The ban's id travels as `banId`: `id` is the request's own (rule 4.3).
  if (options.id !== undefined) request.banId = options.id;
  if (Object.keys(request).length === 1) {
    throw new NatterError('EINVAL', 'unban needs a nickname, an address or an id');
  }
  return request;
}

/** The AUDIT request for a query. */
export function auditRequest(query: AuditQuery): AuditRequest {
  const request: AuditRequest = { cmd: Cmd.AUDIT };
  if (query.before !== undefined) request.before = query.before;
  if (query.limit !== undefined) request.limit = query.limit;
  return request;
}

/** A list from the server, each entry converted; anything that is not an object left out. */
export function listOf<T>(value: unknown, convert: (entry: Record<string, unknown>) => T): T[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((entry): entry is Record<string, unknown> => typeof entry === 'object' && !!entry)
    .map(convert);
}

/** A list of strings from the server (nicknames); anything else in it left out. */
export function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A ban as the server described it, with the types {@link BanInfo} promises. */
export function toBan(raw: Record<string, unknown>): BanInfo {
  const ban: BanInfo = {
    id: String(raw.id),
    reason: text(raw.reason),
    by: text(raw.by),
    createdAt: Number(raw.createdAt),
    expiresAt: expiry(raw.expiresAt),
  };
  if (typeof raw.nickname === 'string') ban.nickname = raw.nickname;
  if (typeof raw.address === 'string') ban.address = raw.address;
  return ban;
}

/** A mute as the server described it. */
export function toMute(raw: Record<string, unknown>): MuteInfo {
  return {
    nickname: text(raw.nickname),
    reason: text(raw.reason),
    by: text(raw.by),
    createdAt: Number(raw.createdAt),
    expiresAt: Number(raw.expiresAt),
  };
}

/** An audit entry: its own fields converted, its details (`phrase`, a ban's id...) as sent. */
export function toAuditEntry(raw: Record<string, unknown>): AuditEntry {
  return {
    ...raw,
    id: Number(raw.id),
    at: Number(raw.at),
    by: text(raw.by),
    action: text(raw.action),
    target: text(raw.target),
    reason: text(raw.reason),
  };
}

/** A time in milliseconds since the epoch, or null for "until lifted". */
export function expiry(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function text(value: unknown): string {
  return typeof value === 'string'
    ? value
    : value === undefined || value === null
      ? ''
      : String(value);
}
