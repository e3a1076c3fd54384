/**
 * Letters of other alphabets that look like Latin letters, for the banned-phrase matching form
 * (phrase-normalise.ts): Cyrillic `а` and `р`, Greek `Ι` and `ο`, Latin `ı` and `ɑ`, ... are read
 * as `a`, `p`, `i`, `o`, `i`, `a`.
 *
 * Derived from the confusables of UTS #39 (src/protocol/confusables-table.ts), kept to:
 *  - sources that are letters of the scripts people borrow Latin look-alikes from (Latin itself,
 *    Greek, Cyrillic, Armenian, Cherokee, Coptic, Lisu). Hebrew `ו` and Arabic `ا` are confusable
 *    with `l` too, but mapping them would turn every word of those languages into Latin soup;
 *  - sources that are not ASCII. The table also maps `m` to `rn`, `1` and `I` to `l`, `0` to `O`:
 *    applied to ASCII those would make innocent text collide (`warm` would be `warn`, `1 am` would
 *    be `l am`), so ASCII is read as written, apart from its case;
 *  - prototypes that are one ASCII letter once their combining marks are dropped (`đ` is `d` with
 *    a stroke, `ħ` is `h`), as the matching form drops marks anyway.
 *
 * The table is keyed by the case-folded letter (the matching form folds case first), so it is
 * exactly as case-insensitive as the rest of the form: `К` and `к` are one key. A capital's
 * look-alike speaks for its small letter too (Cyrillic `К` is `K`, so `к` is `k`), and wins when
 * the two differ: Greek `Η` looks like `H` and `η` like `n`, and both become `h`, because capitals
 * are the usual disguise (`I ΗATE`). The three letters where this happens are `η` (h, not n), `ν`
 * (n, not v) and `υ` (y, not u). The prototype `l` also stands for capital `I` (UTS #39 maps `I`
 * to `l`): a capital whose prototype is `l` is an `I` look-alike and becomes `i`.
 *
 * Letters of these scripts (and common modifier letters) whose prototype is ASCII punctuation,
 * such as the modifier apostrophe `ʼ` (Ukrainian writes it in `пʼять`) and the click `ǃ`, are
 * punctuation here too: they separate words, as `'` and `!` do.
 */
import { CONFUSABLES } from '../protocol/confusables-table.js';

/** Scripts whose Latin look-alikes are mapped. */
const SCRIPTS =
  /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Armenian}\p{Script=Cherokee}\p{Script=Coptic}\p{Script=Lisu}]/u;

/** Scripts whose punctuation look-alikes are separators (modifier letters are Common). */
const PUNCTUATION_SCRIPTS =
  /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Common}]/u;

const LETTER = /^\p{L}$/u;
const ASCII_LETTER = /^[A-Za-z]$/;
const ASCII_PUNCTUATION = /^[!-/:-@[-`{-~]+$/;
const MARKS = /\p{M}/gu;

/**
 * The case fold of the matching form: lower case of the upper case of the lower case, so that
 * `ß` and `ẞ` are `ss`, every `ς` is `σ` and `ı` is `i`.
 */
export function foldCase(text: string): string {
  return text.toLowerCase().toUpperCase().toLowerCase();
}

let table: Map<number, string> | undefined;

/**
 * Folded letter (a code point, as the matching form has it after case folding) to what it reads
 * as: one lower-case ASCII letter, or `' '` for a look-alike of punctuation. Built on first use.
 */
export function lookAlikes(): ReadonlyMap<number, string> {
  if (table) return table;
  const capitals = new Map<number, string>();
  const smalls = new Map<number, string>();
  for (const row of CONFUSABLES.split('\n')) {
    if (row === '') continue;
    const [from, ...to] = row.split(' ').map((hex) => Number.parseInt(hex, 16));
    if (from === undefined || from < 0x80 || Number.isNaN(from)) continue;
    const letter = String.fromCodePoint(from);
    // Only letters as the matching form sees them: after compatibility decomposition.
    if (!LETTER.test(letter) || letter.normalize('NFKD') !== letter) continue;
    const key = foldCase(letter);
    if (key.length === 0 || key.codePointAt(0)! < 0x80 || [...key].length !== 1) continue;
    const target = readAs(letter, String.fromCodePoint(...to).replace(MARKS, ''));
    if (target === undefined) continue;
    const capital = letter !== letter.toLowerCase();
    (capital ? capitals : smalls).set(key.codePointAt(0)!, target);
  }
  // A capital's reading wins over its small letter's.
  table = new Map([...smalls, ...capitals]);
  return table;
}

/** What `letter`, whose UTS #39 prototype without marks is `prototype`, reads as; or undefined. */
function readAs(letter: string, prototype: string): string | undefined {
  if (ASCII_LETTER.test(prototype) && SCRIPTS.test(letter)) {
    const capital = letter !== letter.toLowerCase();
    return capital && prototype === 'l' ? 'i' : prototype.toLowerCase();
  }
  if (ASCII_PUNCTUATION.test(prototype) && PUNCTUATION_SCRIPTS.test(letter)) return ' ';
  return undefined;
}
