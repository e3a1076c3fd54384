import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PhraseMatcher } from '../../src/moderation/phrase-matcher.js';
import { matchingForm, normalise } from '../../src/moderation/phrase-normalise.js';

/** Every match as `phrase:start:end`, sorted. */
function found(matcher: PhraseMatcher, text: string): string[] {
  const out: string[] = [];
  matcher.scan(text, (phrase, start, end) => {
    out.push(`${phrase}:${start}:${end}`);
  });
  return out.sort();
}

/** The same, by searching the text's whole form for each phrase's form, one at a time. */
function naive(phrases: readonly string[], text: string): string[] {
  const { form, starts, ends } = normalise(text);
  const out: string[] = [];
  phrases.forEach((phrase, p) => {
    const pattern = matchingForm(phrase);
    for (let at = form.indexOf(pattern); at >= 0; at = form.indexOf(pattern, at + 1)) {
      out.push(`${p}:${starts[at]}:${ends[at + pattern.length - 1]}`);
    }
  });
  return out.sort();
}

describe('PhraseMatcher', () => {
  it('finds a phrase through its disguise, with its range in the original', () => {
    const matcher = new PhraseMatcher(['i hate professor']);
    const text = 'well, I  ＨＡＴＥ...prοfessor Today';
    assert.deepEqual(found(matcher, text), [`0:6:${text.indexOf(' Today')}`]);
    assert.deepEqual(found(matcher, 'I love my professor'), []);
  });

  it('finds overlapping phrases and phrases inside others, in the order they end', () => {
    const matcher = new PhraseMatcher(['he', 'she', 'his', 'hers', 'ushers']);
    const ends: [number, number, number][] = [];
    matcher.scan('ushers', (p, start, end) => {
      ends.push([p, start, end]);
    });
    assert.deepEqual(ends, [
      [1, 1, 4],
      [0, 2, 4],
      [4, 0, 6],
      [3, 2, 6],
    ]);
  });

  it('reports a phrase listed twice twice, in the list order', () => {
    const matcher = new PhraseMatcher(['Bad Word', 'bad word', 'BAD-WORD']);
    assert.deepEqual(found(matcher, 'a bad word'), ['0:2:10', '1:2:10', '2:2:10']);
  });

  it('matches phrases of any script, astral ones included', () => {
    const matcher = new PhraseMatcher(['дурак', '바보', '𠀀𠀁', 'straße']);
    assert.deepEqual(found(matcher, 'ты ДУРАК'), ['0:3:8']);
    assert.deepEqual(found(matcher, '너 바보야'), ['1:2:4']);
    assert.deepEqual(found(matcher, 'x𠀀𠀁'), ['2:1:5']);
    assert.deepEqual(found(matcher, 'STRASSE'), ['3:0:7']);
  });

  it('stops when the visitor says so', () => {
    const matcher = new PhraseMatcher(['a']);
    let calls = 0;
    matcher.scan('a a a a', () => ++calls === 2);
    assert.equal(calls, 2);
  });

  it('tests for any phrase', () => {
    const matcher = new PhraseMatcher(['i hate professor']);
    assert.equal(matcher.test('xi hate professorx'), true);
    assert.equal(matcher.test('i hate professional'), false);
  });

  it('refuses a phrase with no letters or digits', () => {
    assert.throws(() => new PhraseMatcher(['ok', '...']), /phrase 1 has no letters or digits/);
    assert.throws(() => new PhraseMatcher(['\u200b']), RangeError);
  });
});

describe('PhraseMatcher properties', () => {
  // Few letters, so that phrases overlap and repeat; some that expand, fold or come from afar.
  const char = fc.constantFrom(
    ...'abab  AB.-',
    'á',
    'ß',
    'ﬀ',
    '½',
    'ж',
    'Ж',
    'а', // Cyrillic a
    '日',
    '𝐚',
    '𠀀',
    '\u200b',
    '\u0301',
  );
  const text = fc.string({ unit: char, maxLength: 30 });
  const phrase = fc
    .string({ unit: char, minLength: 1, maxLength: 6 })
    .filter((p) => matchingForm(p) !== '');

  it('finds exactly the occurrences a search of the whole form finds', () => {
    fc.assert(
      fc.property(fc.array(phrase, { minLength: 1, maxLength: 8 }), text, (phrases, t) => {
        assert.deepEqual(found(new PhraseMatcher(phrases), t), naive(phrases, t));
      }),
      { numRuns: 1000 },
    );
  });

  it('reports matches in the order they end', () => {
    fc.assert(
      fc.property(fc.array(phrase, { minLength: 1, maxLength: 8 }), text, (phrases, t) => {
        let last = 0;
        new PhraseMatcher(phrases).scan(t, (_p, _start, end) => {
          assert.ok(end >= last);
          last = end;
        });
      }),
      { numRuns: 300 },
    );
  });
});
