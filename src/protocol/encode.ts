/**
 * Encodes one server message as a frame: compact JSON followed by `\n` (rule 2.2).
 *
 * Non-ASCII text is written as UTF-8, not as `\uXXXX` escapes; both decode to the same string.
 */
export function encode(message: object): string {
  return JSON.stringify(message) + '\n';
}

/**
 * A CHAT_RESPONSE frame with `seq` and `ts` added at its end (rule 12.2), from the frame a seed
 * client gets: the one encoding of the chat is reused, only its tail is new. `frame` must be
 * `encode()`'s output for an object (ending `}\n`).
 */
export function withSeq(frame: Uint8Array, seq: number, ts: number): Buffer {
  const tail = `,"seq":${seq},"ts":${ts}}\n`;
  const head = frame.length - 2;
  const out = Buffer.allocUnsafe(head + tail.length);
  out.set(frame.subarray(0, head), 0);
  out.write(tail, head, 'latin1');
  return out;
}
