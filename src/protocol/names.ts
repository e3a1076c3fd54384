/**
 * Nickname and room-name rules (docs/protocol.md, rule 4.2), shared by server and client.
 */
import { skeleton } from './skeleton.js';

// Control and format characters, separators (all whitespace), surrogates, private-use and
// unassigned code points, and what renders as nothing (default-ignorable code points: fillers,
// variation selectors, joiners): none of them can be told apart reliably on screen.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Z}\p{Cs}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}]/u;

/** A character that is not a combining mark: something of its own on screen. */
const BASE = /\P{M}/u;

/** More combining marks in a row than any script needs on one letter ("zalgo" text). */
const MARK_PILE = /\p{M}{4}/u;

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
  if (FORBIDDEN.test(name)) return 'must not contain whitespace, control or invisible characters';
  if (!BASE.test(name)) return 'must contain a visible character';
  if (MARK_PILE.test(name.normalize('NFC'))) return 'must not pile up combining marks';
  return undefined;
}

/**
 * Keys computed lately. A key takes about a microsecond, and ROOMS or the directory ask for the
 * same few thousand names over and over. Only names of a name's length are kept, so the memo is
 * small whatever a client sends.
 */
const recentKeys = new Map<string, string>();
const RECENT_KEYS = 4096;
const MEMO_LENGTH = 64;

/**
 * The identity of a room name, and the first key of a nickname: two names with the same key
 * are the same, so that nobody can take a name that looks like one already held. The key
 * ignores Unicode compatibility forms (NFKC) and case, folded fully (upper, then lower case),
 * and then maps look-alikes to one prototype by the confusable skeleton of UTS #39: `Alice`,
 * `alice` and the full-width `Ａｌｉｃｅ` are one name, and so are `straße` and `strasse`, `σ`
 * and `ς`, `admin` and `аdmin` (Cyrillic а), `paypal` and `раураl`, `bob` and `b0b`.
 */
export function nameKey(name: string): string {
  let key = recentKeys.get(name);
  if (key === undefined) {
    key = lower(skeleton(fold(name.normalize('NFKC')))).normalize('NFD');
    remember(name, key);
  }
  return key;
}

/**
 * The keys of a nickname: its {@link nameKey}, and its skeleton taken before case is folded,
 * which catches the look-alikes that exist only among capitals (Cyrillic `ТОМ` and `TOM`, Greek
 * `ΚΙΜ` and `KIM`, `AIice` with a capital I and `Alice`). Two nicknames are the same when they
 * share a key. One key when both are equal, as for most names.
 */
export function nicknameKeys(name: string): string[] {
  const first = nameKey(name);
  const memo = '\u0000' + name;
  let second = recentKeys.get(memo);
  if (second === undefined) {
    second = lower(skeleton(name.normalize('NFKC'))).normalize('NFD');
    remember(memo, second);
  }
  return second === first ? [first] : [first, second];
}

function remember(name: string, key: string): void {
  if (name.length > MEMO_LENGTH) return;
  // Bounded: a flood of distinct names costs one clear, never memory.
  if (recentKeys.size >= RECENT_KEYS) recentKeys.clear();
  recentKeys.set(name, key);
}

/**
 * Full case folding, as far as JavaScript offers it: `ß` to `ss`, and every `ς` to `σ` (lower
 * casing alone turns a word-final `Σ` into `ς`).
 */
function fold(text: string): string {
  // Twice: the first round turns ẞ into ß, the second ß into ss.
  return lower(text.toUpperCase().toLowerCase().toUpperCase());
}

/**
 * Lower case, with every `ς` as `σ`. After the skeleton, no upper casing: that would fold the
 * prototypes themselves (Greek `β` has `ß` as its prototype, which is not `ss`).
 */
function lower(text: string): string {
  return text.toLowerCase().replaceAll('ς', 'σ');
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
