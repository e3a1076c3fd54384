/**
 * The server's size limits as the client knows them, and fitting a message to them before it is
 * sent: a request over the frame limit gets the client disconnected (rule 2.3), so the client
 * checks first.
 */
import { codePointLength } from '../protocol/names.js';

/** What a server accepts: a Natter server says so in its `03`; otherwise the seed's. */
export interface MessageLimits {
  /** Largest request frame, in bytes (UTF-8, as sent). */
  readonly maxFrameBytes: number;
  /** Longest CHAT or WHISPER message, in characters; undefined when the server did not say. */
  readonly maxMessageLength?: number;
}

/**
 * What a server that does not say is assumed to take: the seed reads a request in one `recv` of
 * 1024 bytes (its defect D03), so a longer one is lost to it.
 */
export const DEFAULT_MESSAGE_LIMITS: MessageLimits = {
  maxFrameBytes: 1024,
};

/**
 * Room for the rest of a CHAT or WHISPER frame around the message: `cmd`, an id, and a
 * whisper's `to` (a nickname of at most 32 characters, escaped at worst 6 bytes each).
 */
const FRAME_OVERHEAD = 512;

const utf8 = new TextEncoder();

/** Bytes `text` takes inside a JSON string, as the client sends it. */
function jsonBytes(text: string): number {
  return utf8.encode(JSON.stringify(text)).length - 2;
}

/**
 * Why `msg` cannot be sent as one message, in a sentence, or undefined when it can.
 */
export function messageProblem(msg: string, limits: MessageLimits): string | undefined {
  const { maxMessageLength, maxFrameBytes } = limits;
  if (maxMessageLength !== undefined && codePointLength(msg) > maxMessageLength) {
    return (
      `the message is ${codePointLength(msg).toLocaleString('en-US')} characters; the server ` +
      `takes at most ${maxMessageLength.toLocaleString('en-US')} per message`
    );
  }
  const bytes = jsonBytes(msg);
  if (bytes + FRAME_OVERHEAD > maxFrameBytes) {
    return (
      `the message is ${bytes.toLocaleString('en-US')} bytes as sent; the server takes ` +
      `requests of at most ${maxFrameBytes.toLocaleString('en-US')} bytes`
    );
  }
  return undefined;
}

/**
 * `msg` cut into parts that can each be sent as one message: at the last space or line break
 * near the limit when there is one, else between characters (never inside one).
 */
export function splitMessage(msg: string, limits: MessageLimits): string[] {
  const maxChars = limits.maxMessageLength ?? Infinity;
  const maxBytes = limits.maxFrameBytes - FRAME_OVERHEAD;
  const parts: string[] = [];
  let part = '';
  let chars = 0;
  let bytes = 0;
  for (const char of msg) {
    const size = jsonBytes(char);
    if (chars + 1 > maxChars || bytes + size > maxBytes) {
      const cut = breakAt(part);
      parts.push(part.slice(0, cut));
      part = part.slice(cut);
      chars = codePointLength(part);
      bytes = jsonBytes(part);
    }
    part += char;
    chars++;
    bytes += size;
  }
  if (part !== '' || parts.length === 0) parts.push(part);
  return parts;
}

/** Where to end a full part: after its last whitespace in the final tenth, else at its end. */
function breakAt(part: string): number {
  const floor = Math.floor(part.length * 0.9);
  for (let i = part.length - 1; i >= floor; i--) {
    if (/\s/.test(part[i]!)) return i + 1;
  }
  return part.length;
}
