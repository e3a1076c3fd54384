import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CONFUSABLES } from '../../src/protocol/confusables-table.js';
import { nameKey, nameProblem, nicknameKeys } from '../../src/protocol/names.js';
import { skeleton } from '../../src/protocol/skeleton.js';

/** Whether two nicknames are the same: they share a key. */
function shareKey(a: string, b: string): boolean {
  const keys = new Set(nicknameKeys(a));
  return nicknameKeys(b).some((key) => keys.has(key));
}

/** Every code point the UTS #39 table maps to a given prototype: prototype -> look-alikes. */
function lookAlikes(): Map<string, string[]> {
  const byPrototype = new Map<string, string[]>();
  for (const row of CONFUSABLES.trim().split('\n')) {
    const [from, ...to] = row.split(' ').map((hex) => Number.parseInt(hex, 16));
    const prototype = String.fromCodePoint(...to);
    byPrototype.set(prototype, [
      ...(byPrototype.get(prototype) ?? []),
      String.fromCodePoint(from!),
    ]);
  }
  return byPrototype;
}

describe('names (rule 4.2)', () => {
  it('accepts ordinary names in any script, up to the limit in code points', () => {
    for (const name of ['alice', 'Bob_2', '김철수', 'Ελένη', 'emoji😀', 'a.b-c', 'x'.repeat(32)]) {
      assert.equal(nameProblem(name, 32), undefined, name);
    }
    // 32 astral characters: 64 UTF-16 units, still 32 characters.
    assert.equal(nameProblem('😀'.repeat(32), 32), undefined);
    assert.match(nameProblem('😀'.repeat(33), 32) ?? '', /at most 32/);
  });

  it('rejects non-strings, empty, whitespace, control, format and surrogate characters', () => {
    const bad: unknown[] = [
      1,
      true,
      null,
      undefined,
      ['a'],
      '',
      ' ',
      'a b',
      'a\tb',
      'a\nb',
      'a\u00a0b',
      'a\u3000b',
      'a\u0000',
      'a\u007f',
      'a\u200bb',
      'a\u202eb',
      '\ud800',
      'a\ue000',
    ];
    for (const name of bad) assert.notEqual(nameProblem(name, 32), undefined, JSON.stringify(name));
  });

  it('keys ignore case and compatibility forms', () => {
    assert.equal(nameKey('Alice'), nameKey('alice'));
    assert.equal(nameKey('Ａｌｉｃｅ'), nameKey('alice'));
    assert.equal(nameKey('e\u0301'), nameKey('\u00e9'));
    assert.notEqual(nameKey('alice'), nameKey('alicia'));
  });

  it('keys fold case fully: straße is strasse, ς is σ', () => {
    assert.equal(nameKey('straße'), nameKey('STRASSE'));
    assert.equal(nameKey('ς'), nameKey('σ'));
    assert.equal(nameKey('ΣΟΦΟΣ'), nameKey('σοφος'));
  });

  it('keys map cross-script look-alikes to one name (UTS #39 skeleton)', () => {
    const same = [
      ['admin', 'аdmin'], // Cyrillic а
      ['paypal', 'раураl'], // Cyrillic р, а, у
      ['bob', 'b0b'],
      ['mary', 'rnary'],
      ['kim', 'ｋｉｍ'],
    ];
    for (const [a, b] of same) assert.equal(nameKey(a!), nameKey(b!), `${a} ${b}`);
    const different = [
      ['alice', 'alicia'],
      ['김철수', '김철우'],
      ['Ελένη', 'Ελενα'],
      ['bob', 'rob'],
      // Hangul syllables keep their boundaries: their letters are not mapped.
      ['각가', '가까'],
      ['닫다', '다따'],
      ['읽기', '일끼'],
      ['닭고기', '달꼬기'],
      ['앉자', '안짜'],
      // A prototype is not case-folded itself: β has ß, which is not ss.
      ['αββα', 'assssa'],
    ];
    for (const [a, b] of different) {
      assert.ok(!shareKey(a!, b!), `${a} ${b}`);
    }
    assert.equal(skeleton('раураl'), 'paypal');
    // A final sigma is a sigma: σ looks like o, at the end of a word too.
    assert.equal(nameKey('aσ'), nameKey('ao'));
    assert.equal(nameKey('aς'), nameKey('ao'));
  });

  it('nicknames that look alike only in capitals share a key', () => {
    for (const [a, b] of [
      ['TOM', 'ТОМ'], // Cyrillic
      ['BOB', 'ВОВ'],
      ['HACK', 'НАСК'],
      ['KIM', 'ΚΙΜ'], // Greek
      ['Alice', 'AIice'], // a capital I for an l
    ]) {
      assert.ok(shareKey(a!, b!), `${a} ${b}`);
    }
    assert.deepEqual(nicknameKeys('alice'), [nameKey('alice')], 'most names have one key');
  });

  it('a look-alike of any letter in a name gives the same key (property)', () => {
    const byPrototype = lookAlikes();
    const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
    // For every letter, the table's look-alikes that are not compatibility forms of something
    // else (those NFKC rewrites first, as rule 4.2 says).
    const swaps = new Map<string, string[]>();
    for (const letter of letters) {
      const alikes = (byPrototype.get(skeleton(letter)) ?? []).filter(
        (c) => c.normalize('NFKC') === c && c.toLowerCase() === c,
      );
      if (alikes.length > 0) swaps.set(letter, alikes);
    }
    assert.ok(swaps.size > 20, 'most Latin letters have look-alikes in other scripts');
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...letters), minLength: 1, maxLength: 12 }),
        fc.infiniteStream(fc.nat()),
        (name, picks) => {
          let spoof = '';
          for (const letter of name) {
            const alikes = swaps.get(letter);
            // One choice to swap or not, another for which look-alike: every one can be picked.
            const swap = picks.next().value % 2 === 0;
            const which = picks.next().value;
            spoof += alikes && swap ? alikes[which % alikes.length] : letter;
          }
          assert.equal(nameKey(spoof), nameKey(name), `${name} ${spoof}`);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('rejects invisible names, fillers, variation selectors and piles of combining marks', () => {
    const bad = [
      'kim\u3164', // HANGUL FILLER
      '\u3164',
      'bob2\ufe0f', // a variation selector
      'a\u034fb', // COMBINING GRAPHEME JOINER
      'x\u{e0100}', // VARIATION SELECTOR-17
      '\u0301', // a lone combining mark
      'z' + '\u0300\u0301\u0302\u0303'.repeat(8), // "zalgo"
    ];
    for (const name of bad) assert.notEqual(nameProblem(name, 32), undefined, JSON.stringify(name));
    // Real scripts keep their marks: Vietnamese, Hindi, Thai.
    for (const name of ['Nguyễn', 'Việt', 'क्षत्रिय', 'สมศักดิ์']) {
      assert.equal(nameProblem(name, 32), undefined, name);
    }
  });

  it('a key is case-blind, whatever the name (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 12 }), (name) => {
        const key = nameKey(name);
        assert.equal(nameKey(name.toUpperCase()), key);
        assert.equal(nameKey(name.toLowerCase()), key);
      }),
      { numRuns: 2000 },
    );
  });
});
