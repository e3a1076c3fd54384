/**
 * How `natter chat` words moderation: bans, mutes and audit entries as rows, times and
 * durations as people read them, and being kicked, banned or muted as one clear line.
 */
import type { AuditEntry, BanInfo, MuteInfo, NatterError } from '../client/index.js';
import { printable } from './chat-format.js';

const UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/**
 * `4m 10s`, `2h`, `7d 3h`: the largest unit and the next one when it is not zero, rounded up to
 * the second (so that a mute with 300 ms left is not "0s").
 */
export function formatDuration(ms: number): string {
  let left = Math.max(0, Math.ceil(ms / 1000)) * 1000;
  const counts = UNITS.map(([unit, size]) => {
    const count = Math.floor(left / size);
    left -= count * size;
    return `${count}${unit}`;
  });
  const first = counts.findIndex((count) => !count.startsWith('0'));
  if (first < 0) return '0s';
  const next = counts[first + 1];
  return next === undefined || next.startsWith('0') ? counts[first]! : `${counts[first]} ${next}`;
}

const two = (n: number) => String(n).padStart(2, '0');

/** A moment, in local time: `2026-12-01 18:00`. */
export function formatTime(at: number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** When a ban or mute ends: `until 2026-12-01 18:00 (1h 59m left)`, or `until lifted`. */
export function until(expiresAt: number | null, now: number): string {
  if (expiresAt === null) return 'until lifted';
  return `until ${formatTime(expiresAt)} (${formatDuration(expiresAt - now)} left)`;
}

/** What a ban holds off: the nickname, or the address or block. */
export function banTarget(ban: BanInfo): string {
  return printable(ban.nickname ?? ban.address ?? '?');
}

/** `, by root: spamming` (the reason only when one was given). */
function byWhom(by: string, reason: string): string {
  return `, by ${printable(by)}${reason ? `: ${printable(reason)}` : ''}`;
}

/** A row of `\bans`: `  ban #7  bob  until ... (1h 59m left), by root: spamming`. */
export function banRow(ban: BanInfo, now: number): string {
  const what = ban.address !== undefined ? 'address' : 'nickname';
  return `  ban #${printable(ban.id)}  ${what} ${banTarget(ban)}  ${until(ban.expiresAt, now)}${byWhom(ban.by, ban.reason)}`;
}

/** A row of `\bans` for a mute. */
export function muteRow(mute: MuteInfo, now: number): string {
  return `  mute  ${printable(mute.nickname)}  ${until(mute.expiresAt, now)}${byWhom(mute.by, mute.reason)}`;
}

/** The fields every audit entry has; the rest are its details. */
const AUDIT_FIELDS = new Set(['id', 'at', 'by', 'action', 'target', 'reason']);

/** A row of `\audit`: `  [2026-12-01 18:00] root ban bob: spamming (durationMs=3600000)`. */
export function auditRow(entry: AuditEntry): string {
  const details = Object.entries(entry)
    .filter(([key, value]) => !AUDIT_FIELDS.has(key) && value !== null && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : value}`);
  const target = entry.target ? ` ${entry.target}` : '';
  const reason = entry.reason ? `: ${entry.reason}` : '';
  const extra = details.length > 0 ? ` (${details.join(', ')})` : '';
  return printable(
    `  [${formatTime(entry.at)}] ${entry.by} ${entry.action}${target}${reason}${extra}`,
  );
}

/** An ISO 8601 time as the server writes one in a reason. */
const ISO_TIME = /\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b/g;

/**
 * The line for being kicked, banned or muted, or for a message the filter refused; undefined
 * for any other error. The server's reason says who and why (`kicked by root: spamming`); its
 * times are shown in local time, and a ban or mute says how long it has left.
 */
export function moderationLine(err: NatterError, now = Date.now()): string | undefined {
  const by = err.by !== undefined ? ` (by ${printable(err.by)})` : '';
  switch (err.code) {
    case '929':
      return `! ${localTimes(err.reason || `kicked${by}`)}`;
    case '931': {
      const { expiresAt } = err;
      const left =
        typeof expiresAt === 'number' ? ` (${formatDuration(expiresAt - now)} left)` : '';
      return `! ${localTimes(err.reason)}${left}`;
    }
    case '932': {
      const ms =
        err.retryAfterMs ?? (typeof err.expiresAt === 'number' ? err.expiresAt - now : NaN);
      const how = Number.isFinite(ms)
        ? `for another ${formatDuration(ms)}`
        : 'until an operator lifts it';
      return `! you are muted ${how}${by}: nothing was sent`;
    }
    case '933':
      return `! ${printable(err.reason)}`;
    default:
      return undefined;
  }
}

function localTimes(text: string): string {
  return printable(text.replace(ISO_TIME, (iso) => formatTime(Date.parse(iso))));
}
