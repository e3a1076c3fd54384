import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PhraseFilter } from '../../src/moderation/phrase-filter.js';
import { PhraseRuleError, SEED_PHRASE_RULES } from '../../src/moderation/phrase-rules.js';

const seed = new PhraseFilter(SEED_PHRASE_RULES);

describe('PhraseFilter: the seed phrase', () => {
  it('catches what the seed caught: a case-insensitive substring', () => {
    for (const text of ['I HATE Professor Today', 'i hate professors', 'xi hate professorx']) {
      const match = seed.check(text);
      assert.equal(match?.rule.action, 'disconnect', text);
      assert.equal(match?.rule.phrase, 'i hate professor');
    }
    assert.deepEqual(seed.check('so, I HATE Professor Today'), {
      rule: SEED_PHRASE_RULES[0],
      index: 0,
      start: 4,
      end: 20,
    });
  });

  it('catches it through disguises', () => {
    const disguised = [
      'I ＨＡＴＥ professor', // full-width
      'I\u3000HATE\u3000PROFESSOR', // ideographic spaces
      'i h\u200bate prof\u200cessor', // zero-width inside words
      'i \u200bhate\u200b professor', // and next to the spaces
      'i\u200b \u2060hate \ufeffprofessor',
      'i hàte professor', // precomposed accent
      'i ha\u0300te pro\u0301fe\u0308ssor', // combining accents
      'i hate p\u0336r\u0336o\u0336fessor', // strike-through
      'і hаtе рrofessor', // Cyrillic і а е р
      'І НАТЕ РRОFЕSSОR', // Cyrillic capitals
      'Ι ΗΑΤΕ ΡRΟFΕSSΟR', // Greek capitals
      'ι hαte ρrοfessοr', // Greek small
      'i  hate...professor',
      'I-HATE_professor',
      'i\u00a0hate\u00a0professor', // no-break spaces
      'i\thate\nprofessor',
      'i\r\n\r\nhate \t professor',
      'i hate 😀 professor',
      'i hate professor',
      '𝐢 𝐡𝐚𝐭𝐞 𝐩𝐫𝐨𝐟𝐞𝐬𝐬𝐨𝐫', // mathematical bold
      'ⓘ ⓗⓐⓣⓔ ⓟⓡⓞⓕⓔⓢⓢⓞⓡ', // circled
      'i h\u00adate professor', // soft hyphen
      'I hate. Professors are late', // a sentence's end is punctuation like any other
    ];
    for (const text of disguised) assert.ok(seed.check(text), JSON.stringify(text));
  });

  it('lets innocent text through', () => {
    const innocent = [
      'I love my professor',
      'this hat, professor',
      'i hate professional wrestling',
      'I hate mondays. My professor is nice', // other words between
      'i hated professor x',
      'ihateprofessor', // no separator between the words (the seed missed it too)
      'i rate professor',
      'I hate prof',
      'hate professor i',
      'i 1hate professor',
      '',
      '...',
    ];
    for (const text of innocent) assert.equal(seed.check(text), undefined, JSON.stringify(text));
  });

  it('masks the phrase with its disguise, keeping the length in code points', () => {
    assert.equal(seed.redact('so I HATE Professor Today'), 'so **************** Today');
    assert.equal(seed.redact('i  hate 😀 professor!'), '*******************!'); // 😀 is one
    assert.equal(seed.redact('i hate professo\u0301r\u200b today'), '****************** today');
    assert.equal(seed.redact('𝐢 hate professor'), '*'.repeat(16)); // 𝐢 is two units, one star
    const clean = 'nothing to see';
    assert.equal(seed.redact(clean), clean);
  });
});

describe('PhraseFilter: rules', () => {
  const filter = new PhraseFilter([
    { phrase: 'darn', action: 'redact' },
    { phrase: 'buy followers', action: 'refuse' },
    { phrase: 'spam', action: 'mute', durationMs: 60_000 },
    { phrase: 'spam spam', action: 'mute', durationMs: 600_000 },
    { phrase: 'go away', action: 'kick', reason: 'be nice' },
    { phrase: 'i hate professor', action: 'disconnect' },
    { phrase: 'slur', action: 'ban', durationMs: 86_400_000 },
    { phrase: 'worse slur', action: 'ban' },
  ]);

  it('gives the most severe match: by action, then by duration', () => {
    assert.equal(filter.check('darn, buy followers')?.rule.action, 'refuse');
    assert.equal(filter.check('darn spam')?.rule.durationMs, 60_000);
    assert.equal(filter.check('spam spam darn')?.rule.durationMs, 600_000);
    assert.equal(filter.check('go away, darn')?.rule.reason, 'be nice');
    assert.equal(filter.check('spam! i hate professor, go away')?.rule.action, 'disconnect');
    assert.equal(filter.check('i hate professor slur')?.rule.durationMs, 86_400_000);
    const forever = filter.check('slur, worse slur');
    assert.equal(forever?.rule.phrase, 'worse slur');
    assert.equal(forever?.rule.durationMs, undefined);
    assert.equal(filter.action('darn it'), 'redact');
    assert.equal(filter.action('clean'), undefined);
  });

  it('of equally severe matches, gives the one that ends first', () => {
    const twice = new PhraseFilter([
      { phrase: 'one', action: 'refuse' },
      { phrase: 'two', action: 'refuse' },
    ]);
    assert.equal(twice.check('two and one')?.rule.phrase, 'two');
    assert.equal(twice.check('one and two')?.rule.phrase, 'one');
  });

  it('lists every match', () => {
    const all = filter.matches('spam spam, darn');
    assert.deepEqual(
      all.map((m) => [m.rule.phrase, m.start, m.end]),
      [
        ['spam', 0, 4],
        ['spam spam', 0, 9],
        ['spam', 5, 9],
        ['darn', 11, 15],
      ],
    );
  });

  it('masks every match, and what masking brings together', () => {
    assert.equal(filter.redact('darn you, DARN'), '**** you, ****');
    const joined = new PhraseFilter([
      { phrase: 'i hate professor', action: 'redact' },
      { phrase: 'x y', action: 'redact' },
    ]);
    // Masked, "x **** y" reads "x y": masked too.
    assert.equal(joined.redact('x i hate professor y'), '********************');
  });

  it('with no rules, finds nothing', () => {
    const none = new PhraseFilter([]);
    assert.equal(none.empty, true);
    assert.equal(none.check('i hate professor'), undefined);
    assert.deepEqual(none.matches('i hate professor'), []);
    assert.equal(none.redact('i hate professor'), 'i hate professor');
    assert.equal(seed.empty, false);
  });

  it('refuses a rule that cannot be used, naming it', () => {
    assert.throws(
      () =>
        new PhraseFilter([
          { phrase: 'ok', action: 'ban' },
          { phrase: 'x', action: 'mute' },
        ]),
      /^PhraseRuleError: rule 2 \("x"\): mute needs a duration/,
    );
    assert.throws(() => new PhraseFilter([{ phrase: '!!', action: 'ban' }]), PhraseRuleError);
  });

  it('refuses a list too large to compile', () => {
    // 1,100 phrases of 190 letters that share little: more states than MAX_STATES.
    let seed = 7;
    const letter = () => String.fromCharCode(0x61 + ((seed = (seed * 48271) % 2147483647) % 26));
    const rules = Array.from({ length: 1100 }, () => ({
      phrase: Array.from({ length: 190 }, letter).join(''),
      action: 'refuse' as const,
    }));
    assert.throws(
      () => new PhraseFilter(rules),
      /PhraseRuleError: the phrases are too long in all/,
    );
  });

  it('keeps its own copy of the rules', () => {
    const rules = [{ phrase: 'spam', action: 'refuse' as const }];
    const own = new PhraseFilter(rules);
    rules[0] = { phrase: 'other', action: 'refuse' };
    assert.equal(own.check('spam')?.rule.phrase, 'spam');
    assert.ok(Object.isFrozen(own.rules[0]));
  });
});
