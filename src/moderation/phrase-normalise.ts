/**
 * The matching form of text for banned phrases: what a phrase and a message are compared in, so
 * that a phrase is found through case, compatibility forms, accents, invisible characters,
 * punctuation between its words and look-alike letters of other alphabets.
 *
 * Each code point of the original is turned into its part of the form on its own, in this order:
 *
 *  1. NFKD: compatibility decomposition, the first half of NFKC. Full-width `Ｈ`, mathematical
 *     `𝐡`, circled `ⓗ`, ligatures (`ﬁ`), superscripts become plain letters and digits, and a
 *     precomposed `à` becomes `a` and its accent, so that the accent can go in step 2. NFKC would
 *     compose `à` again; the form keeps no marks, so composing would only get in the way.
 *  2. Each resulting code point is a letter (letters and numbers), a separator (whitespace,
 *     punctuation, symbols, emoji, private-use, unassigned and lone surrogates: things that show
 *     as something between words) or nothing (combining marks, format characters such as the
 *     zero-width space and joiners, the soft hyphen and bidi controls, default-ignorables such as
 *     variation selectors and fillers, control characters other than whitespace: things that
 *     show as nothing, or only on the letter before them).
 *  3. Letters are case folded (foldCase: `ß` is `ss`, `ς` is `σ`), and decomposed with marks
 *     dropped again, as folding can make a decomposable letter. Case comes before look-alikes so
 *     that the form of a text depends only on its folded letters: exactly case-insensitive.
 *  4. A folded letter that looks like a Latin letter becomes it (homoglyphs.ts): Cyrillic `р` is
 *     `p`, Greek `Η` (folded `η`) is `h`. ASCII is never remapped (`m` stays `m`, not `rn`).
 *
 * Then, over the whole text: every run of separators is one space, and separators at either end
 * are dropped. Dropped characters are transparent to this, so a zero-width space inside a word
 * joins it (`ha\u200bte` is `hate`), and one inside a run of spaces does not split the run.
 *
 * A phrase and a message get their forms the same way, so whatever the form does, it does to
 * both: normalise() makes a phrase's, and the matcher (phrase-matcher.ts) walks a message exactly
 * as normalise() does, without building it (the tests hold the two to that). Each code point's
 * part is computed once and kept (codePointForm); ASCII has a table, and takes a quick path that
 * makes nothing per character.
 */
import { foldCase, lookAlikes } from './homoglyphs.js';

const SPACE = 0x20;

/** Per ASCII code: 0 dropped, 32 separator, else the form's code (lower case). Read-only. */
export const ASCII_FORM: Uint8Array = (() => {
  const form = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    if (c >= 0x30 && c <= 0x39) form[c] = c;
    else if (c >= 0x61 && c <= 0x7a) form[c] = c;
    else if (c >= 0x41 && c <= 0x5a) form[c] = c + 0x20;
    // Tab, line feed, vertical tab, form feed, carriage return, space, then the printables.
    else if ((c >= 0x09 && c <= 0x0d) || (c >= 0x20 && c < 0x7f)) form[c] = SPACE;
    // Other control characters show as nothing (or a box): dropped, 0.
  }
  return form;
})();

const WHITESPACE = /^\p{White_Space}$/u;
const NOTHING = /^[\p{M}\p{Cf}\p{Cc}\p{Default_Ignorable_Code_Point}]$/u;
const SEPARATOR = /^[\p{Z}\p{P}\p{S}\p{Cs}\p{Co}\p{Cn}]$/u;

/** How one code point (a string of one) takes part: 0 nothing, 1 separator, 2 letter. */
function kind(char: string): 0 | 1 | 2 {
  if (WHITESPACE.test(char)) return 1;
  if (NOTHING.test(char)) return 0;
  return SEPARATOR.test(char) ? 1 : 2;
}

/** The form of one code point, before separators are collapsed: letters and `' '`s, or ''. */
function computeForm(codePoint: number): string {
  const looks = lookAlikes();
  let out = '';
  for (const piece of String.fromCodePoint(codePoint).normalize('NFKD')) {
    const k = kind(piece);
    if (k === 1) out += ' ';
    if (k !== 2) continue;
    for (const letter of foldCase(piece).normalize('NFKD')) {
      const again = kind(letter);
      if (again === 0) continue;
      out += again === 1 ? ' ' : (looks.get(letter.codePointAt(0)!) ?? letter);
    }
  }
  return out.replace(/ {2,}/g, ' ');
}

/**
 * Forms of the BMP's code points, computed on first sight and kept: an index (1-based) into
 * bmpForms, 0 for not yet. At most 65,536 entries, so nothing is ever evicted and no text can
 * make the work be done twice.
 */
const bmpIndex = new Uint32Array(0x10000);
const bmpForms: string[] = [''];

/**
 * Astral code points (emoji, mathematical letters, CJK extensions), by kind, also computed on
 * first sight and kept: 0 not yet, 1 nothing, 2 a separator, 3 itself (CJK), 4 something else,
 * in astralForms. Unicode 15 has 2,287 of the last kind (mathematical and enclosed letters,
 * compatibility ideographs), so nothing is evicted here either: a text made of code points never
 * seen before costs a few microseconds each, once in the life of the process.
 */
const astralKinds = new Uint8Array(0x100000);
const astralForms = new Map<number, string>();

/**
 * The part of the matching form one non-ASCII code point makes, before separator runs are
 * collapsed: '' for nothing, `' '` for a separator (possibly around letters: `½` is `1 2`),
 * else letters.
 */
export function codePointForm(codePoint: number): string {
  if (codePoint < 0x10000) {
    const at = bmpIndex[codePoint]!;
    if (at !== 0) return bmpForms[at]!;
    const form = computeForm(codePoint);
    bmpIndex[codePoint] = bmpForms.push(form) - 1;
    return form;
  }
  switch (astralKinds[codePoint - 0x10000]) {
    case 1:
      return '';
    case 2:
      return ' ';
    case 3:
      return String.fromCodePoint(codePoint);
    case 4:
      return astralForms.get(codePoint)!;
  }
  const form = computeForm(codePoint);
  let kind = 4;
  if (form === '') kind = 1;
  else if (form === ' ') kind = 2;
  else if (form === String.fromCodePoint(codePoint)) kind = 3;
  else astralForms.set(codePoint, form);
  astralKinds[codePoint - 0x10000] = kind;
  return form;
}

/** A text's matching form and, for each of its UTF-16 units, where in the original it came from. */
export interface NormalisedText {
  /** The matching form. */
  readonly form: string;
  /**
   * For each unit of `form`: the original's UTF-16 range `[starts[i], ends[i])`, the code point
   * it came from, or for a space the whole run of separators (and dropped characters among them).
   */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

/** Builds a form unit by unit, with its map, growing its arrays as it goes. */
class FormBuilder {
  units: Uint16Array;
  starts: Int32Array;
  ends: Int32Array;
  length = 0;
  /** Where a pending run of separators starts, or -1. */
  private runStart = -1;
  private runEnd = -1;

  constructor(capacity: number) {
    this.units = new Uint16Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  separator(start: number, end: number): void {
    if (this.length === 0) return; // leading separators are dropped
    if (this.runStart < 0) this.runStart = start;
    this.runEnd = end;
  }

  letter(unit: number, start: number, end: number): void {
    if (this.runStart >= 0) {
      this.push(SPACE, this.runStart, this.runEnd);
      this.runStart = -1;
    }
    this.push(unit, start, end);
  }

  private push(unit: number, start: number, end: number): void {
    if (this.length === this.units.length) this.grow();
    this.units[this.length] = unit;
    this.starts[this.length] = start;
    this.ends[this.length] = end;
    this.length++;
  }

  private grow(): void {
    const size = this.units.length * 2 + 16;
    const units = new Uint16Array(size);
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    units.set(this.units);
    starts.set(this.starts);
    ends.set(this.ends);
    this.units = units;
    this.starts = starts;
    this.ends = ends;
  }

  result(): NormalisedText {
    const n = this.length;
    let form = '';
    // In slices: a call's arguments are limited.
    for (let at = 0; at < n; at += 8192) {
      const slice = this.units.subarray(at, Math.min(n, at + 8192));
      form += String.fromCharCode.apply(null, slice as unknown as number[]);
    }
    return {
      form,
      starts: this.starts.subarray(0, n),
      ends: this.ends.subarray(0, n),
    };
  }
}

/**
 * The matching form of `text` (see the top of this file) with its map back to `text`. A match
 * of a phrase's form at units `[a, b)` of the form is the original's `[starts[a], ends[b - 1])`.
 */
export function normalise(text: string): NormalisedText {
  const n = text.length;
  const out = new FormBuilder(n);
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      // The quick path: a table lookup, nothing made.
      const unit = ASCII_FORM[c]!;
      if (unit === SPACE) out.separator(i, i + 1);
      else if (unit !== 0) out.letter(unit, i, i + 1);
      i++;
      continue;
    }
    const codePoint = text.codePointAt(i)!;
    const next = i + (codePoint > 0xffff ? 2 : 1);
    const form = codePointForm(codePoint);
    for (let j = 0; j < form.length; j++) {
      const unit = form.charCodeAt(j);
      if (unit === SPACE) out.separator(i, next);
      else out.letter(unit, i, next);
    }
    i = next;
  }
  return out.result();
}

/**
 * The position after whatever follows `at` in `text` and has no part in the form (combining
 * marks, zero-width characters): a match ending at `at` extended over what shows on its last
 * letter, or not at all, so that masking it leaves no accent behind.
 */
export function afterInvisible(text: string, at: number): number {
  let end = at;
  while (end < text.length) {
    const codePoint = text.codePointAt(end)!;
    const empty = codePoint < 0x80 ? ASCII_FORM[codePoint] === 0 : codePointForm(codePoint) === '';
    if (!empty) break;
    end += codePoint > 0xffff ? 2 : 1;
  }
  return end;
}

/** The matching form of `text` alone (a phrase's, to compile). */
export function matchingForm(text: string): string {
  return normalise(text).form;
}
