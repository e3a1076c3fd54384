/**
 * Encodes one server message as a frame: compact JSON followed by `\n` (rule 2.2).
 *
 * Non-ASCII text is written as UTF-8, not as `\uXXXX` escapes; both decode to the same string.
 */
export function encode(message: object): string {
  return JSON.stringify(message) + '\n';
}
