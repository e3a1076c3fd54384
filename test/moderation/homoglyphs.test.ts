import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldCase, lookAlikes } from '../../src/moderation/homoglyphs.js';

/** What a letter reads as in the table (looked up by its folded form), or undefined. */
function readAs(letter: string): string | undefined {
  return lookAlikes().get(foldCase(letter).codePointAt(0)!);
}

describe('homoglyphs', () => {
  it('reads the Cyrillic look-alikes of Latin letters as them', () => {
    const pairs = 'аa еe оo рp сc хx уy іi јj ѕs һh ԁd ԛq ԝw Аa Вb Еe Кk Мm Нh Оo Рp Сc Тt Хx';
    for (const pair of pairs.split(' ')) assert.equal(readAs(pair[0]!), pair[1], pair);
  });

  it('reads the Greek look-alikes of Latin letters as them', () => {
    const pairs = 'Αa Βb Εe Ζz Ηh Ιi Κk Μm Νn Οo Ρp Τt Υy Χx αa οo ρp ιi';
    for (const pair of pairs.split(' ')) assert.equal(readAs(pair[0]!), pair[1], pair);
  });

  it('reads capitals that look like I as i, the rest of the l prototypes as l', () => {
    assert.equal(readAs('І'), 'i'); // Cyrillic
    assert.equal(readAs('Ι'), 'i'); // Greek
    assert.equal(readAs('Ӏ'), 'i'); // Cyrillic palochka
    assert.equal(readAs('ǀ'), 'l'); // a click letter, no case
  });

  it('lets a capital speak for its small letter, the same whichever case is looked up', () => {
    for (const letter of 'ηνυкнтвм') {
      assert.equal(readAs(letter), readAs(letter.toUpperCase()), letter);
    }
    assert.equal(readAs('η'), 'h');
  });

  it('maps no ASCII, and nothing from scripts outside its list', () => {
    for (const key of lookAlikes().keys()) assert.ok(key >= 0x80, key.toString(16));
    assert.equal(readAs('ו'), undefined); // Hebrew vav, confusable with l
    assert.equal(readAs('ا'), undefined); // Arabic alef
    assert.equal(readAs('ノ'), undefined); // Katakana no, confusable with /
  });

  it('maps to one lower-case ASCII letter, or a space for a look-alike of punctuation', () => {
    for (const [key, target] of lookAlikes()) {
      assert.match(target, /^[a-z ]$/, key.toString(16));
    }
    assert.equal(readAs('ʼ'), ' ');
    assert.equal(readAs('ǃ'), ' ');
  });

  it('folds case so that ß is ss, σ and ς are one, ı is i', () => {
    assert.equal(foldCase('Straße ẞ'), 'strasse ss');
    assert.equal(foldCase('ς'), 'σ');
    assert.equal(foldCase('ı'), 'i');
  });
});
