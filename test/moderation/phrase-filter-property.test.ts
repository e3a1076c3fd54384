import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PhraseFilter } from '../../src/moderation/phrase-filter.js';
import { matchingForm } from '../../src/moderation/phrase-normalise.js';
import { codePointLength } from '../../src/protocol/names.js';
import {
  OTHER_LETTERS,
  PHRASE_LETTERS,
  SEPARATORS,
  phraseWords,
  render,
  separatorRun,
  textOf,
  word,
} from './variants.js';

const filterOf = (words: readonly string[]) =>
  new PhraseFilter([{ phrase: words.join(' '), action: 'refuse' }]);

/** A phrase's words and one of its disguises. */
const disguised = phraseWords.chain((words) => fc.tuple(fc.constant(words), render(words)));

/** Text that cannot hold anything made of the phrase letters: other letters, digits, CJK. */
const foreign = textOf(['nop', 'qrs', 'tuvwxyz', 'n0', '42', '日本', '안녕', 'ж']);

describe('PhraseFilter properties', () => {
  it('catches every disguise of a phrase, as all of the disguise', () => {
    fc.assert(
      fc.property(disguised, ([words, variant]) => {
        const match = filterOf(words).check(variant);
        assert.ok(match, `${JSON.stringify(words)} in ${JSON.stringify(variant)}`);
        assert.deepEqual([match.start, match.end], [0, variant.length]);
      }),
      { numRuns: 1500 },
    );
  });

  it('catches it anywhere in other text, even inside longer words', () => {
    fc.assert(
      fc.property(disguised, fc.string(), fc.string(), ([words, variant], before, after) => {
        assert.ok(filterOf(words).check(before + variant + after));
      }),
      { numRuns: 500 },
    );
  });

  it('lets through text made of the phrase words in any other arrangement', () => {
    // The phrase is found only where a word ending with its first word is followed by its
    // others: text made of tokens none of which ends with the first word cannot hold it.
    const innocent = phraseWords.chain((words) => {
      const first = words[0]!;
      const others = fc.array(word(PHRASE_LETTERS + OTHER_LETTERS.slice(0, 3)), { maxLength: 4 });
      return others.chain((extra) => {
        const pool = [...words.slice(1), ...extra].filter((token) =>
          words.length === 1 ? !token.includes(first) : !token.endsWith(first),
        );
        return fc.tuple(fc.constant(words), pool.length > 0 ? textOf(pool) : fc.constant(''));
      });
    });
    fc.assert(
      fc.property(innocent, ([words, text]) => {
        assert.equal(filterOf(words).check(text), undefined, `${words.join(' ')} in ${text}`);
      }),
      { numRuns: 1500 },
    );
  });

  it('lets through text of other letters, whatever it looks like', () => {
    fc.assert(
      fc.property(phraseWords, foreign, (words, text) => {
        assert.equal(filterOf(words).check(text), undefined);
      }),
      { numRuns: 500 },
    );
  });

  it('masks exactly the disguised phrase, and the rest of the text not at all', () => {
    // After the phrase, something visible: invisible characters there are masked with it.
    const gap = fc.tuple(fc.constantFrom(...SEPARATORS), separatorRun).map(([a, b]) => a + b);
    const planted = fc.tuple(disguised, foreign, separatorRun, gap, foreign);
    fc.assert(
      fc.property(planted, ([[words, variant], before, gap1, gap2, after]) => {
        const head = before + gap1;
        const tail = gap2 + after;
        const masked = filterOf(words).redact(head + variant + tail);
        assert.equal(masked, head + '*'.repeat(codePointLength(variant)) + tail);
      }),
      { numRuns: 1000 },
    );
  });

  it('redacts any text to one that is clean, changing nothing but masked code points', () => {
    const text = fc.string({
      unit: fc.oneof(fc.constantFrom(...'ab cd.éΑа\u200b*'), fc.string({ maxLength: 1 })),
      maxLength: 40,
    });
    const phrases = fc.array(word('abcd', 3), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(phrases, text, (list, t) => {
        const filter = new PhraseFilter(list.map((phrase) => ({ phrase, action: 'redact' })));
        const masked = filter.redact(t);
        assert.equal(filter.check(masked), undefined);
        const before = [...t];
        const after = [...masked];
        assert.equal(after.length, before.length);
        after.forEach((char, i) => assert.ok(char === before[i] || char === '*'));
        // Only code points inside a match are masked.
        const spans = filter.matches(t);
        if (spans.length === 0) assert.equal(masked, t);
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees with a search of the whole form about whether a text is clean', () => {
    const text = fc.string({ unit: fc.constantFrom(...'ab ba.Á\u200bа-'), maxLength: 30 });
    fc.assert(
      fc.property(fc.array(word('ab', 4), { minLength: 1, maxLength: 5 }), text, (list, t) => {
        const filter = new PhraseFilter(list.map((phrase) => ({ phrase, action: 'refuse' })));
        const form = matchingForm(t);
        const expected = list.some((phrase) => form.includes(matchingForm(phrase)));
        assert.equal(filter.check(t) !== undefined, expected);
      }),
      { numRuns: 1000 },
    );
  });
});
