import type { NatterError } from '../../src/client/browser.js';

/**
 * What to tell the user about a refusal or a lost connection, as a sentence. The codes are the
 * protocol's (docs/errors.md); a server's own `reason` is used where it says more.
 */
export function sentenceFor(err: NatterError, nickname = ''): string {
  const name = nickname ? `“${nickname}”` : 'That nickname';
  switch (err.code) {
    case '01':
    case '50':
      return `${name} is taken. Choose another nickname.`;
    case '02':
    case '121':
      return 'That room is full. Try another room, or try again later.';
    case '131':
      return 'The lobby is full. Try again later.';
    case '122':
      return 'You are already in that room.';
    case '132':
      return 'You are already in the lobby.';
    case '20':
      return 'Nobody by that name is here any more.';
    case '21':
      return 'You cannot whisper to yourself.';
    case '909':
      return `${name} cannot be used: ${lower(err.message)}.`;
    case '910':
      return `That room name cannot be used: ${lower(err.message)}.`;
    case '911':
      return 'Your message contained a banned phrase, and the server closed the connection.';
    case '915':
      return `That message is too long: ${lower(err.message)}.`;
    case 'TOO_LONG':
      return 'That message is too long for this server.';
    case '916':
      return 'You are sending too fast. Wait a moment and try again.';
    case '917':
      return 'You sent too much too fast, and the server closed the connection.';
    case '912':
      return 'The server is restarting.';
    case '920':
    case '921':
    case '922':
      return `The server is busy: ${lower(err.message)}. Try again later.`;
    case '927':
      return 'Wrong operator name or password.';
    case '928':
      return 'Only an operator may do that.';
    case '929':
      return moderated(err, 'kicked', 'You were');
    case '930':
      return 'Nobody by that name is in the chat.';
    case '931':
      return moderated(err, 'banned', 'You are');
    case '932':
      return mutedSentence(err);
    case '933':
      return `Your message was not sent: ${lower(err.message)}.`;
    case 'ECONNREFUSED':
    case 'ETIMEDOUT':
      return 'Cannot reach the server. Check your connection and try again.';
    case 'ECONNRESET':
    case 'CLOSED':
      return 'The connection was lost.';
    default:
      if (/ban/i.test(err.errorName ?? '') || /\bbanned\b/i.test(err.message)) {
        return `You are banned from this server: ${lower(err.message)}.`;
      }
      return `The server said: ${lower(err.message)}.`;
  }
}

/**
 * KICKED or BANNED: the server's reason says who, why and until when (`kicked by root:
 * spamming`); its times in the user's own locale.
 */
function moderated(err: NatterError, what: string, lead: string): string {
  const reason = localTimes(lower(err.reason));
  if (reason.startsWith(what)) return `${lead} ${reason}.`;
  const by = err.by !== undefined ? ` by ${err.by}` : '';
  return `${lead} ${what}${by}: ${reason}.`;
}

/** MUTED: for how long, and by whom; the message was not delivered. */
function mutedSentence(err: NatterError): string {
  const { retryAfterMs, expiresAt, by } = err;
  const ms = retryAfterMs ?? (typeof expiresAt === 'number' ? expiresAt - Date.now() : undefined);
  const how = ms === undefined ? 'until an operator lifts it' : `for another ${durationWords(ms)}`;
  const who = by !== undefined ? ` by ${by}` : '';
  return `You are muted${who} ${how}: your message was not sent.`;
}

const UNITS: readonly (readonly [string, number])[] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** `4 minutes 10 seconds`, `1 hour`, `7 days`: the largest unit and the next, when not zero. */
export function durationWords(ms: number): string {
  let left = Math.max(1, Math.ceil(ms / 1000)) * 1000;
  const counts = UNITS.map(([unit, size]) => {
    const count = Math.floor(left / size);
    left -= count * size;
    return { count, text: `${count} ${unit}${count === 1 ? '' : 's'}` };
  });
  const first = counts.findIndex((c) => c.count > 0);
  const next = counts[first + 1];
  return next && next.count > 0 ? `${counts[first]!.text} ${next.text}` : counts[first]!.text;
}

/** Times the server wrote in ISO 8601 (a ban's end), in the user's own locale and zone. */
function localTimes(text: string): string {
  return text.replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b/gi, (iso) =>
    new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }),
  );
}

/** A server's reason inside a sentence: no capital, no full stop of its own. */
function lower(text: string): string {
  const trimmed = text.trim().replace(/[.!]+$/, '');
  return trimmed.charAt(0).toLowerCase() + trimmed.slice(1);
}
