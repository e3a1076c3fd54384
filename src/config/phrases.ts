import { readFileSync } from 'node:fs';
import { PhraseFilter } from '../moderation/phrase-filter.js';
import {
  PhraseRuleError,
  formatPhraseRule,
  parsePhraseRules,
  phraseRulesFrom,
  type PhraseRuleConfig,
} from '../moderation/phrase-rules.js';
import { ConfigError } from './config-error.js';

/** A banned-words file: one rule a line (src/moderation/phrase-rules.ts), `#` comments. */
export function readPhrases(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read banned words file ${path}: ${(err as Error).message}`);
  }
  try {
    return parsePhraseRules(text, path).map(formatPhraseRule);
  } catch (err) {
    if (err instanceof PhraseRuleError) throw new ConfigError(err.message);
    throw err;
  }
}

/**
 * The banned phrases, checked (a rule that cannot be used, or a list too large to compile, is a
 * ConfigError naming it); an empty
 * line is none (`--banned-phrase ""`).
 * @param option how the user wrote the option, for the error
 */
export function checkedPhrases(option: string, phrases: PhraseRuleConfig[]): PhraseRuleConfig[] {
  const list = phrases.filter((p) => typeof p !== 'string' || p.trim() !== '');
  try {
    // Compiled too: a list too long for the matcher is a mistake of the configuration.
    new PhraseFilter(phraseRulesFrom(list, option));
  } catch (err) {
    if (err instanceof PhraseRuleError) throw new ConfigError(err.message);
    throw err;
  }
  return list;
}
