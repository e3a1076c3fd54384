import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { nameKey, nameProblem } from '../../src/protocol/names.js';

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

  it('a key is stable and case-blind, whatever the name (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 12 }), (name) => {
        const key = nameKey(name);
        assert.equal(nameKey(key), key, 'a key is its own key');
        assert.equal(nameKey(name.toUpperCase()), key);
        assert.equal(nameKey(name.toLowerCase()), key);
      }),
      { numRuns: 2000 },
    );
  });
});
