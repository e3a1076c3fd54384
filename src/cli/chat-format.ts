/**
 * How `natter chat` shows things: each event as one line, other people's text made harmless for
 * a terminal, and on a terminal timestamps, a stable colour per nickname and the user's own
 * nickname highlighted where others mention it.
 */
import type { ChatEvent, HistoryMessage } from '../client/index.js';

/** How lines look: timestamps (`none`, `minutes` as `[14:03]`, `seconds`) and colour. */
export interface Style {
  timestamps: 'none' | 'minutes' | 'seconds';
  color: boolean;
  /** The user's own nickname, highlighted where it appears in others' messages. */
  self(): string;
  /** The clock, for the timestamps. */
  now(): Date;
}

/** Plain lines: no timestamps, no colour (for pipes and scripts). */
export const PLAIN: Style = {
  timestamps: 'none',
  color: false,
  self: () => '',
  now: () => new Date(),
};

const ESC = '\u001b[';
const RESET = `${ESC}0m`;
/** Readable on dark and light backgrounds; red is kept for errors. */
const NICK_COLORS = [32, 33, 34, 35, 36, 92, 93, 94, 95, 96];

/** The same colour for a nickname every time, in every client: a hash of its characters. */
export function nicknameColor(nickname: string): number {
  let hash = 0;
  for (const char of nickname.toLowerCase()) hash = (hash * 31 + char.codePointAt(0)!) >>> 0;
  return NICK_COLORS[hash % NICK_COLORS.length]!;
}

function paint(style: Style, code: string, text: string): string {
  return style.color ? `${ESC}${code}m${text}${RESET}` : text;
}

function nick(style: Style, nickname: string): string {
  return paint(style, String(nicknameColor(nickname)), printable(nickname));
}

/** A message body, with the user's own nickname in reverse video where it is mentioned. */
function body(style: Style, msg: string): string {
  const text = printable(msg);
  const self = style.self();
  if (!style.color || self === '') return text;
  // Matched without regard to case in the text itself (lower casing can change lengths: İ).
  const found = new RegExp(printable(self).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'iu').exec(text);
  if (!found) return text;
  const at = found.index;
  const end = at + found[0].length;
  return text.slice(0, at) + paint(style, '7', found[0]) + text.slice(end);
}

/** `[14:03] ` (or with seconds), now or at `at`, or nothing. */
export function stamp(style: Style, at?: Date): string {
  if (style.timestamps === 'none') return '';
  return `[${clock(at ?? style.now(), style.timestamps === 'seconds')}] `;
}

const two = (n: number) => String(n).padStart(2, '0');

function clock(d: Date, seconds: boolean): string {
  const time = `${two(d.getHours())}:${two(d.getMinutes())}`;
  return seconds ? `${time}:${two(d.getSeconds())}` : time;
}

/**
 * A message from the room's history: dimmed, with its time (and its date, when not today)
 * whatever the timestamps of live lines, since it may be old.
 */
export function formatHistory(message: HistoryMessage, style: Style = PLAIN): string {
  const at = new Date(message.ts);
  const now = style.now();
  const today = at.toDateString() === now.toDateString();
  const date = `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())} `;
  const time = `[${today ? '' : date}${clock(at, style.timestamps === 'seconds')}]`;
  return paint(style, '2', `${time} ${printable(message.from)}: ${printable(message.msg)}`);
}

/** `1 user`, `2 users`. */
export function users(count: number): string {
  return `${count} user${count === 1 ? '' : 's'}`;
}

/** A notice of the client's own (`* ...`), or an error (`! ...`, in red). */
export function notice(style: Style, text: string): string {
  return stamp(style) + (text.startsWith('!') ? paint(style, '31', text) : text);
}

/** One line for an incoming event, safe to print on a terminal. */
export function formatEvent(event: ChatEvent, style: Style = PLAIN): string {
  // Said while the connection was down: shown as the room's history is, dimmed with its time.
  if (event.type === 'chat' && event.missed && event.seq !== undefined && event.ts !== undefined) {
    return formatHistory({ seq: event.seq, ts: event.ts, from: event.from, msg: event.msg }, style);
  }
  // A chat says when it was sent (one caught up on after a reconnect was sent a while ago).
  const at = event.type === 'chat' && event.ts !== undefined ? new Date(event.ts) : undefined;
  return stamp(style, at) + describe(event, style);
}

function describe(event: ChatEvent, style: Style): string {
  switch (event.type) {
    case 'chat':
      return `${nick(style, event.from)}: ${body(style, event.msg)}`;
    case 'whisper':
      return `${nick(style, event.from)} (whisper): ${body(style, event.msg)}`;
    case 'join':
      return `* ${nick(style, event.nickname)} joined (${users(event.userCount)})`;
    case 'leave':
      return `* ${nick(style, event.nickname)} left (${users(event.userCount)})`;
    case 'move':
      return `* ${nick(style, event.nickname)} moved to ${printable(event.room)} (${users(event.userCount)})`;
    case 'rename':
      return `* ${nick(style, event.nickname)} is now known as ${nick(style, event.newNickname)}`;
    case 'missed': {
      const room = printable(event.room);
      if (event.from === undefined || event.to === undefined) {
        return paint(style, '31', `! some messages of ${room} may not have reached you`);
      }
      const count = event.to - event.from + 1;
      return paint(
        style,
        '31',
        `! ${count} message${count === 1 ? '' : 's'} of ${room} did not reach you`,
      );
    }
    case 'reconnecting': {
      const when = `${(event.delayMs / 1000).toFixed(1)} s`;
      return event.attempt === 1
        ? paint(style, '31', `! disconnected: ${printable(event.error.message)}`) +
            `\n${stamp(style)}* reconnecting in ${when}`
        : paint(style, '31', `! ${printable(event.error.message)}`) +
            `\n${stamp(style)}* trying again in ${when}`;
    }
    case 'reconnected': {
      const where = event.room === undefined ? '' : ` in ${printable(event.room)}`;
      return `* reconnected as ${nick(style, event.nickname)}${where}`;
    }
    case 'gap':
      return paint(
        style,
        '31',
        `! some messages of ${printable(event.room)} you missed are no longer kept`,
      );
    case 'serverError':
      return paint(
        style,
        '31',
        `! ${printable(event.error.message)} (${printable(event.error.code)})`,
      );
  }
}

// C0 and C1 controls except tab and newline, DEL, and the bidirectional overrides and isolates.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from other people, made harmless for a terminal: control characters (an escape sequence
 * could move the cursor, recolour or retitle the terminal) are shown as `\u{1b}`, and the lines
 * of a multi-line message are indented under the first.
 */
export function printable(text: string): string {
  return text
    .replace(UNPRINTABLE, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`)
    .replace(/\n/g, '\n  ');
}
