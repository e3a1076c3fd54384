import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  PHRASE_ACTIONS,
  PhraseRuleError,
  SEED_PHRASE_RULES,
  formatPhraseRule,
  parsePhraseRule,
  parsePhraseRules,
  phraseRulesFrom,
  ruleProblem,
  type PhraseRule,
} from '../../src/moderation/phrase-rules.js';

describe('phrase rules: the file syntax', () => {
  it('reads a phrase alone as the seed does: disconnect', () => {
    assert.deepEqual(parsePhraseRule('  i hate professor '), {
      phrase: 'i hate professor',
      action: 'disconnect',
    });
    assert.deepEqual(SEED_PHRASE_RULES, [{ phrase: 'i hate professor', action: 'disconnect' }]);
  });

  it('reads an action, a duration and a reason before the colon', () => {
    assert.deepEqual(parsePhraseRule('refuse: buy followers'), {
      phrase: 'buy followers',
      action: 'refuse',
    });
    assert.deepEqual(parsePhraseRule('Mute 10m: spam spam'), {
      phrase: 'spam spam',
      action: 'mute',
      durationMs: 600_000,
    });
    assert.deepEqual(parsePhraseRule('ban 7d  no slurs here : some phrase'), {
      phrase: 'some phrase',
      action: 'ban',
      durationMs: 7 * 86_400_000,
      reason: 'no slurs here',
    });
    assert.deepEqual(parsePhraseRule('ban: x y'), { phrase: 'x y', action: 'ban' });
    assert.deepEqual(parsePhraseRule('kick rude: x'), {
      phrase: 'x',
      action: 'kick',
      reason: 'rude',
    });
    assert.deepEqual(parsePhraseRule('redact: darn'), { phrase: 'darn', action: 'redact' });
  });

  it('splits at the first colon only', () => {
    assert.deepEqual(parsePhraseRule('disconnect: re: cheap pills'), {
      phrase: 're: cheap pills',
      action: 'disconnect',
    });
  });

  it('says what is wrong with a rule', () => {
    const wrong: [string, RegExp][] = [
      ['re: cheap pills', /"re" before the colon is not an action .*"disconnect: re: cheap pills"/],
      ['mute: x', /mute needs a duration/],
      ['mute 0s: x', /positive/],
      ['refuse 10m: x', /refuse takes no duration/],
      ['kick 1h: x', /kick takes no duration/],
      ['refuse:', /no phrase after "refuse:"/],
      ['refuse: ...', /no letters or digits/],
      ['?!', /no letters or digits/],
      ['x'.repeat(201), /longer than 200/],
      [`ban ${'r'.repeat(201)}: x`, /reason is longer than 200/],
      ['mute 99999999999999999d: x', /too long/],
    ];
    for (const [line, message] of wrong) {
      assert.throws(() => parsePhraseRule(line), message, line);
      assert.throws(() => parsePhraseRule(line), PhraseRuleError, line);
    }
  });

  it('reads a file: comments and blank lines skipped, errors naming the line', () => {
    const text = '\uFEFF# banned\r\n\r\ni hate professor\n  # indented comment\nmute 5m: spam\r\n';
    assert.deepEqual(parsePhraseRules(text, 'banned.txt'), [
      { phrase: 'i hate professor', action: 'disconnect' },
      { phrase: 'spam', action: 'mute', durationMs: 300_000 },
    ]);
    assert.throws(
      () => parsePhraseRules('ok\n\nmute: spam\n', 'banned.txt'),
      /^PhraseRuleError: banned\.txt line 3: mute needs a duration/,
    );
    assert.deepEqual(parsePhraseRules('', 'empty.txt'), []);
  });

  it('reads the configuration: lines or objects, errors naming the entry', () => {
    const rules = phraseRulesFrom(
      [
        'i hate professor',
        'refuse: buy followers',
        { phrase: 'spam', action: 'mute', duration: '10m', reason: 'no spam' },
        { phrase: 'x y', duration: 60000, action: 'BAN' },
        { phrase: 'plain' },
      ],
      'bannedPhrases',
    );
    assert.deepEqual(rules, [
      { phrase: 'i hate professor', action: 'disconnect' },
      { phrase: 'buy followers', action: 'refuse' },
      { phrase: 'spam', action: 'mute', durationMs: 600_000, reason: 'no spam' },
      { phrase: 'x y', action: 'ban', durationMs: 60_000 },
      { phrase: 'plain', action: 'disconnect' },
    ]);
    const wrong: [unknown, RegExp][] = [
      ['nope', /bannedPhrases must be an array/],
      [[1], /bannedPhrases\[0\]: must be a string or an object/],
      [['ok', { phrase: 'x', colour: 'red' }], /bannedPhrases\[1\]: unknown key "colour"/],
      [[{ action: 'ban' }], /"phrase" must be a string/],
      [[{ phrase: 'x', action: 3 }], /"action" must be a string/],
      [[{ phrase: 'x', action: 'smite' }], /"smite" is not an action/],
      [[{ phrase: 'x', action: 'mute', duration: 'soon' }], /"duration" must be as/],
      [[{ phrase: 'x', reason: 5 }], /"reason" must be a string/],
      [['mute: x'], /bannedPhrases\[0\]: mute needs a duration/],
    ];
    for (const [value, message] of wrong) {
      assert.throws(() => phraseRulesFrom(value, 'bannedPhrases'), message);
    }
  });

  it('checks rules made in code', () => {
    assert.equal(
      ruleProblem({ phrase: 'x', action: 'ban', durationMs: 1.5 }),
      'the duration must be a positive whole number of milliseconds',
    );
    assert.equal(ruleProblem({ phrase: ' ', action: 'ban' }), 'the phrase is empty');
    assert.equal(ruleProblem({ phrase: 'x', action: 'ban' }), undefined);
  });
});

describe('phrase rules properties', () => {
  const rule: fc.Arbitrary<PhraseRule> = fc
    .record({
      phrase: fc.stringMatching(/^[a-z][a-z :'-]{0,20}[a-z]$/),
      action: fc.constantFrom(...PHRASE_ACTIONS),
      duration: fc.option(fc.integer({ min: 1, max: 10 ** 9 }), { nil: undefined }),
      // Words with one space between: the syntax keeps a reason's words, not its spacing.
      reason: fc.option(fc.stringMatching(/^[a-z]+( [a-z]+){0,3}$/), { nil: undefined }),
    })
    .map(({ phrase, action, duration, reason }) => ({
      phrase,
      action,
      ...(action === 'mute' || (action === 'ban' && duration !== undefined)
        ? { durationMs: duration ?? 1000 }
        : {}),
      ...(reason !== undefined ? { reason } : {}),
    }));

  it('reads back what formatPhraseRule writes', () => {
    fc.assert(
      fc.property(rule, (r) => {
        assert.deepEqual(parsePhraseRule(formatPhraseRule(r)), r);
      }),
      { numRuns: 500 },
    );
  });
});
