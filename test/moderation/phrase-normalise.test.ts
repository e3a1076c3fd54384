import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { foldCase, lookAlikes } from '../../src/moderation/homoglyphs.js';
import {
  ASCII_FORM,
  afterInvisible,
  codePointForm,
  matchingForm,
  normalise,
} from '../../src/moderation/phrase-normalise.js';
import { INVISIBLES, MARKS, SEPARATORS, lookAlikesOf } from './variants.js';

/**
 * The form computed another way, over the whole string with regular expressions, as the steps
 * are described: lone surrogates are separators; NFKD; drop marks, format and other invisible characters; separators to spaces;
 * case fold (a whole-string fold writes a final sigma as ς: folded to σ here); look-alikes;
 * collapse and trim.
 */
function expectedForm(text: string): string {
  const drop = /[\p{M}\p{Cf}\p{Default_Ignorable_Code_Point}]|(?!\p{White_Space})\p{Cc}/gu;
  const separators = /[\p{White_Space}\p{Z}\p{P}\p{S}\p{Cs}\p{Co}\p{Cn}]/gu;
  // Lone surrogates first: once what is between them is dropped, two could make a pair.
  let s = text.replace(/\p{Cs}/gu, ' ').normalize('NFKD');
  s = s.replace(drop, '').replace(separators, ' ');
  s = foldCase(s).replaceAll('ς', 'σ').normalize('NFKD').replace(drop, '');
  const looks = lookAlikes();
  s = [...s].map((c) => looks.get(c.codePointAt(0)!) ?? c).join('');
  return s.replace(/ +/g, ' ').trim();
}

/** Characters the matching form has something to say about, for generated text. */
const INTERESTING = [
  ...'aAzZ09 .,-_!?\t\n\u0000\u0007\u007f',
  ...MARKS,
  ...INVISIBLES,
  ...SEPARATORS,
  ...lookAlikesOf('a'),
  ...lookAlikesOf('o'),
  ...lookAlikesOf('i'),
  'ß',
  'ẞ',
  'Σ',
  'ς',
  'σ',
  'İ',
  'ı',
  'ﬃ',
  '½',
  '™',
  'ǅ',
  'ŉ',
  'ʼ',
  'ﷺ',
  '가',
  '\u1100\u1161',
  '日',
  '𠀀',
  '\ud800',
  '\udc00',
  '\ue000',
  '\u0378',
];

const anyText = fc.string({
  unit: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...INTERESTING) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  ),
  maxLength: 24,
});

describe('phrase-normalise: the matching form', () => {
  it('leaves plain lower-case words as they are, and lower-cases ASCII', () => {
    assert.equal(matchingForm('i hate professor'), 'i hate professor');
    assert.equal(matchingForm('I HATE Professor Today'), 'i hate professor today');
    assert.equal(matchingForm('route 66'), 'route 66');
  });

  it('makes every run of whitespace, punctuation and symbols one space, none at the ends', () => {
    assert.equal(matchingForm('  i  hate...professor!! '), 'i hate professor');
    assert.equal(matchingForm('I-HATE_professor'), 'i hate professor');
    assert.equal(matchingForm('i\u00a0hate\t\r\n professor'), 'i hate professor');
    assert.equal(matchingForm('i 😀 hate ❤️ professor'), 'i hate professor');
    assert.equal(matchingForm('…'), '');
  });

  it('sees through compatibility forms (NFKC): full-width, mathematical, circled, ligatures', () => {
    assert.equal(matchingForm('I ＨＡＴＥ professor'), 'i hate professor');
    assert.equal(matchingForm('𝐢 𝐡𝐚𝐭𝐞 𝓹𝓻𝓸𝓯𝓮𝓼𝓼𝓸𝓻'), 'i hate professor');
    assert.equal(matchingForm('ⓘ ⓗⓐⓣⓔ'), 'i hate');
    assert.equal(matchingForm('ﬃ ™ ²'), 'ffi tm 2');
  });

  it('drops combining marks, precomposed or not', () => {
    assert.equal(matchingForm('i hàte professor'), 'i hate professor');
    assert.equal(matchingForm('i ha\u0300te pro\u0336fessor'), 'i hate professor');
    assert.equal(matchingForm('Z̸̢͎A̵L̷G̶O'), 'zalgo');
  });

  it('drops zero-width and other invisible characters, so they split no word', () => {
    assert.equal(matchingForm('i h\u200bate pro\u00adfes\u2060sor'), 'i hate professor');
    assert.equal(matchingForm('i \u200b hate\ufeff \u200dprofessor'), 'i hate professor');
    assert.equal(matchingForm('ha\ufe0fte\u{e0041}'), 'hate');
    assert.equal(matchingForm('ha\u0000te\u007f'), 'hate');
  });

  it('folds case fully: ß is ss, every sigma is σ, dotless ı is i', () => {
    assert.equal(matchingForm('STRAẞE straße'), 'strasse strasse');
    assert.equal(matchingForm('ΟΔΟΣ οδος οδοσ'), matchingForm('οδοσ οδοσ οδοσ'));
    assert.equal(matchingForm('İı'), 'ii');
  });

  it('reads Cyrillic and Greek look-alikes as the Latin letters', () => {
    assert.equal(matchingForm('і hаtе рrofessor'), 'i hate professor'); // Cyrillic і а е р
    assert.equal(matchingForm('І НАТЕ РROFЕSSОR'), 'i hate professor'); // Cyrillic capitals
    assert.equal(matchingForm('Ι ΗΑΤΕ ΡRΟFΕSSΟR'), 'i hate professor'); // Greek capitals
    assert.equal(matchingForm('ι hαte ρrοfessοr'), 'i hate professor'); // Greek small
    assert.equal(matchingForm('ɪ ħɑŧe ƥrøfessor'), 'i hate professor'); // Latin look-alikes
  });

  it('is as case-insensitive in other alphabets as in ASCII', () => {
    assert.equal(matchingForm('ДУРАК'), matchingForm('дурак'));
    assert.equal(matchingForm('ΗΝΥ'), matchingForm('ηνυ'));
    assert.equal(matchingForm('ΗΝΥ'), 'hny');
  });

  it('never remaps ASCII: m is not rn, 1 is not l, 0 is not o, I is not l', () => {
    assert.notEqual(matchingForm('warm'), matchingForm('warn'));
    assert.notEqual(matchingForm('1 am'), matchingForm('l am'));
    assert.notEqual(matchingForm('0k'), matchingForm('ok'));
    assert.notEqual(matchingForm('Ilove'), matchingForm('llove'));
  });

  it('keeps other scripts as they are (without their marks)', () => {
    assert.equal(matchingForm('안녕 日本語'), '안녕 日本語'.normalize('NFKD'));
    assert.equal(matchingForm('ПРИВЕТ'), matchingForm('привет'));
  });

  it('maps each unit back to where it came from', () => {
    const text = 'I  ＨＡ\u200bte…𝐏r';
    const { form, starts, ends } = normalise(text);
    assert.equal(form, 'i hate pr');
    assert.deepEqual(
      [...starts].map((start, i) => [start, ends[i]]),
      [
        [0, 1],
        [1, 3],
        [3, 4],
        [4, 5],
        [6, 7],
        [7, 8],
        [8, 9],
        [9, 11],
        [11, 12],
      ],
    );
  });

  it('gives the part of the form of one code point: nothing, a separator, letters', () => {
    assert.equal(codePointForm(0x200b), '');
    assert.equal(codePointForm(0x301), '');
    assert.equal(codePointForm(0x2026), ' ');
    assert.equal(codePointForm(0xbd), '1 2');
    assert.equal(codePointForm(0x1d41a), 'a');
    assert.equal(codePointForm(0x430), 'a');
  });

  it('extends a match over the marks and invisible characters after it', () => {
    assert.equal(afterInvisible('hate\u0301\u200b professor', 4), 6);
    assert.equal(afterInvisible('hate professor', 4), 4);
    assert.equal(afterInvisible('hate', 4), 4);
  });

  it('agrees with the whole-string computation for every ASCII, Latin, Greek, Cyrillic letter', () => {
    for (let c = 0; c < 0x530; c++) {
      const char = String.fromCharCode(c);
      assert.equal(matchingForm(char), expectedForm(char), `U+${c.toString(16)}`);
    }
  });
});

describe('phrase-normalise properties', () => {
  it('agrees with the whole-string computation on any text', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        assert.equal(matchingForm(text), expectedForm(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('is idempotent, and its form has no capitals, marks, invisibles or doubled spaces', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const form = matchingForm(text);
        assert.equal(matchingForm(form), form);
        assert.doesNotMatch(form, /[A-Z]|\p{M}|\p{Cf}| {2}|^ | $/u);
      }),
      { numRuns: 1000 },
    );
  });

  it('maps every unit to a range of the text that makes it, in order', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const { form, starts, ends } = normalise(text);
        let last = 0;
        for (let i = 0; i < form.length; i++) {
          const start = starts[i]!;
          const end = ends[i]!;
          assert.ok(start >= last - 2 && start < end && end <= text.length);
          last = start;
          // Each code point's own part, separators as spaces: a unit is found in its range's.
          const parts = [...text.slice(start, end)].map((char) => {
            const c = char.codePointAt(0)!;
            return c < 0x80
              ? String.fromCharCode(ASCII_FORM[c]!).replace('\0', '')
              : codePointForm(c);
          });
          assert.ok(parts.join('').includes(form[i]!), `${form[i]} from ${text.slice(start, end)}`);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
