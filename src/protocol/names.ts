/**
 * Nickname and room-name rules (docs/protocol.md, rule 4.2), shared by server and client.
 */

// Control and format characters, separators (all whitespace), surrogates, private-use and
// unassigned code points: none of them can be told apart reliably on screen.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Z}\p{Cs}\p{Co}\p{Cn}]/u;

/**
 * Why `name` is not an acceptable nickname or room name, or undefined when it is.
 * @param name the value from the request (any JSON value)
 * @param maxLength the longest allowed name, in code points
 */
export function nameProblem(name: unknown, maxLength: number): string | undefined {
  if (typeof name !== 'string') return 'must be a string';
  if (name.length === 0) return 'must not be empty';
  // Length in code points, so a Korean or emoji name has the same budget as a Latin one.
  if (codePointLength(name) > maxLength) return `must be at most ${maxLength} characters`;
  if (FORBIDDEN.test(name)) return 'must not contain whitespace or control characters';
  return undefined;
}

/**
 * The identity of a name: two names with the same key are the same nickname (or room).
 * Comparison ignores case and Unicode compatibility forms, so `Alice`, `alice` and the
 * full-width `Ａｌｉｃｅ` cannot be held by three different people.
 */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase();
}

/** Length in Unicode code points: every UTF-16 unit except the second half of a pair. */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xdc00 || unit > 0xdfff) count++;
  }
  return count;
}
