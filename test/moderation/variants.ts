/**
 * Generators for the banned-phrase property tests: phrases made of words, and the same words
 * written in every way the matching form is meant to see through.
 */
import fc from 'fast-check';
import { lookAlikes } from '../../src/moderation/homoglyphs.js';
import { codePointForm } from '../../src/moderation/phrase-normalise.js';

/** Phrase words use these letters; text that must stay innocent can use the others. */
export const PHRASE_LETTERS = 'abcdefghijklm';
export const OTHER_LETTERS = 'nopqrstuvwxyz';

/** Combining marks: accents above, below, through; a grapheme joiner. */
export const MARKS = ['\u0300', '\u0301', '\u0308', '\u0323', '\u0336', '\u034f', '\u20dd'];
/** Characters that show as nothing: zero-width space, joiners, soft hyphen, BOM, selectors. */
export const INVISIBLES = [
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\u00ad',
  '\ufeff',
  '\ufe0f',
  '\u180e',
  '\u{e0041}',
];
/** What may stand between words: whitespace of all kinds, punctuation, symbols, emoji. */
export const SEPARATORS = [
  ' ',
  '\t',
  '\n',
  '\r\n',
  '\u00a0',
  '\u2003',
  '\u3000',
  '\u2028',
  '.',
  '...',
  '-',
  '_',
  ',',
  '!',
  '?',
  '/',
  '…',
  '—',
  '«',
  '😀',
  '❤️',
  '\u{1f1eb}\u{1f1f7}',
];

/** A word of `letters`, 1 to `longest` of them. */
export const word = (letters: string, longest = 6) =>
  fc
    .array(fc.constantFrom(...letters), { minLength: 1, maxLength: longest })
    .map((chars) => chars.join(''));

/** A phrase's words, from the phrase letters. */
export const phraseWords = fc.array(word(PHRASE_LETTERS), { minLength: 1, maxLength: 4 });

let lookAlikeLists: Map<string, string[]> | undefined;

/**
 * The non-ASCII letters (small and capital) whose form is `letter`: Cyrillic, Greek, Latin
 * look-alikes, full-width and mathematical letters (checked against the form, not assumed).
 */
export function lookAlikesOf(letter: string): string[] {
  if (!lookAlikeLists) {
    lookAlikeLists = new Map();
    for (const [key, target] of lookAlikes()) {
      const small = String.fromCodePoint(key);
      const list = lookAlikeLists.get(target) ?? [];
      list.push(small, small.toUpperCase());
      lookAlikeLists.set(target, list);
    }
  }
  const offset = letter.charCodeAt(0) - 0x61;
  const candidates = [
    ...(lookAlikeLists.get(letter) ?? []),
    String.fromCodePoint(0xff41 + offset), // full-width small
    String.fromCodePoint(0xff21 + offset), // full-width capital
    String.fromCodePoint(0x1d41a + offset), // mathematical bold small
    String.fromCodePoint(0x1d400 + offset), // mathematical bold capital
    String.fromCodePoint(0x24d0 + offset), // circled
  ];
  return [...new Set(candidates)].filter(
    (char) => [...char].length === 1 && codePointForm(char.codePointAt(0)!) === letter,
  );
}

/** Invisible things after a letter: marks and zero-width characters, often none. */
const decoration = fc
  .array(fc.constantFrom(...MARKS, ...INVISIBLES), { maxLength: 2 })
  .map((parts) => parts.join(''));

/** One letter, written in any of its equivalent ways, with any decoration after it. */
export const letterVariant = (letter: string) =>
  fc
    .tuple(
      /^[a-z]$/.test(letter)
        ? fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom(letter, letter.toUpperCase()) },
            { weight: 2, arbitrary: fc.constantFrom(...lookAlikesOf(letter)) },
          )
        : fc.constantFrom(letter, letter.toUpperCase()),
      fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: decoration }),
    )
    .map(([char, after]) => char + after);

/** A run of one to three separators, maybe with invisible characters among them. */
export const separatorRun = fc
  .array(fc.constantFrom(...SEPARATORS, ...SEPARATORS, ...INVISIBLES), {
    minLength: 1,
    maxLength: 3,
  })
  .filter((parts) => parts.some((part) => SEPARATORS.includes(part)))
  .map((parts) => parts.join(''));

/** `words` written with every letter in some equivalent way and any separators between. */
export function render(words: readonly string[]): fc.Arbitrary<string> {
  const renderedWords = words.map((w) =>
    fc.tuple(...[...w].map(letterVariant)).map((letters) => letters.join('')),
  );
  const gaps = words.slice(1).map(() => separatorRun);
  return fc
    .tuple(fc.tuple(...renderedWords), fc.tuple(...gaps), fc.boolean())
    .map(([rendered, between, composed]) => {
      let text = rendered[0]!;
      for (let i = 1; i < rendered.length; i++) text += between[i - 1]! + rendered[i]!;
      // Composed, an accent may be part of its letter (à rather than a and U+0300).
      return composed ? text.normalize('NFC') : text;
    });
}

/** Text of tokens drawn from `pool`, each written in some equivalent way, between separators. */
export function textOf(pool: readonly string[]): fc.Arbitrary<string> {
  return fc
    .array(
      fc.constantFrom(...pool).chain((token) => fc.tuple(render([token]), separatorRun)),
      { maxLength: 12 },
    )
    .map((parts) => parts.map(([token, gap]) => token + gap).join(''));
}
