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

/** A server's reason inside a sentence: no capital, no full stop of its own. */
function lower(text: string): string {
  const trimmed = text.trim().replace(/[.!]+$/, '');
  return trimmed.charAt(0).toLowerCase() + trimmed.slice(1);
}
