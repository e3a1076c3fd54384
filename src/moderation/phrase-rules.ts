/**
 * Banned-phrase rules: what a phrase is, what happens to whoever says it, and how rules are
 * written in a banned-words file (`--banned-words-file`) and in the configuration.
 *
 * A file has one rule a line; blank lines and lines whose first non-blank character is `#` are
 * skipped:
 *
 *   i hate professor                   the phrase alone: disconnect (the seed's 911, then close)
 *   redact: darn it                    delivered, with the phrase masked
 *   refuse: buy followers              refused with an error, nothing delivered
 *   mute 10m: spam spam spam           the sender is muted for 10 minutes
 *   kick: some phrase                  the sender is kicked
 *   disconnect: some phrase            as the phrase alone
 *   ban: some phrase                   banned until lifted
 *   ban 7d no slurs here: some phrase  banned for 7 days, with a reason
 *
 * The part before the first colon is the action (any case), then a duration (`30s`, `10m`, `2h`,
 * `7d`, `500ms`; required after `mute`, allowed after `ban`, not allowed elsewhere), then an
 * optional reason (the rest: words without colons, kept with one space between them). A phrase with a colon of its own must then name its
 * action: `disconnect: re: cheap pills`. The phrase is compared in its matching form
 * (phrase-normalise.ts), so its punctuation only separates words: `re: cheap pills` is the same
 * rule as `re cheap pills`. A phrase listed twice (in any form) is fine: the more severe rule wins.
 */
import { durationMs } from '../duration.js';
import { codePointLength } from '../protocol/names.js';
import { matchingForm } from './phrase-normalise.js';

/**
 * What happens to the sender of a banned phrase, least severe first. `disconnect` is the seed's:
 * error 911, then the connection is closed.
 */
export const PHRASE_ACTIONS = ['redact', 'refuse', 'mute', 'kick', 'disconnect', 'ban'] as const;
export type PhraseAction = (typeof PHRASE_ACTIONS)[number];

/** A banned phrase and what it costs. */
export interface PhraseRule {
  /** As written; compared in its matching form, as a substring of the message's. */
  readonly phrase: string;
  readonly action: PhraseAction;
  /** How long a `mute` (required) or a `ban` (none: until lifted) lasts, in ms. */
  readonly durationMs?: number;
  /** Said to the sender, and logged. */
  readonly reason?: string;
}

/**
 * A rule as a configuration gives it: a line in the file syntax (`"mute 10m: spam spam"`), or
 * an object with `action` defaulting to `disconnect` and `duration` as in the file or in ms.
 */
export type PhraseRuleConfig =
  | string
  | {
      readonly phrase: string;
      readonly action?: string;
      readonly duration?: string | number;
      readonly reason?: string;
    };

/** The seed's rule, the default list: "i hate professor" gets its sender disconnected. */
export const SEED_PHRASE_RULES: readonly PhraseRule[] = [
  { phrase: 'i hate professor', action: 'disconnect' },
];

/** Longest phrase, in code points. */
export const MAX_PHRASE_LENGTH = 200;
/** Longest reason, in code points. */
export const MAX_REASON_LENGTH = 200;

/** A rule that cannot be used; the message names where it was written. */
export class PhraseRuleError extends Error {
  override name = 'PhraseRuleError';
}

const DURATION = /^\d+(?:ms|s|m|h|d)?$/;

/** Why `rule` cannot be used, or undefined when it can. */
export function ruleProblem(rule: PhraseRule): string | undefined {
  if (typeof rule.phrase !== 'string' || rule.phrase.trim() === '') return 'the phrase is empty';
  if (codePointLength(rule.phrase) > MAX_PHRASE_LENGTH) {
    return `the phrase is longer than ${MAX_PHRASE_LENGTH} characters`;
  }
  if (matchingForm(rule.phrase) === '') return 'the phrase has no letters or digits';
  if (!(PHRASE_ACTIONS as readonly string[]).includes(rule.action)) {
    return `"${String(rule.action)}" is not an action (${PHRASE_ACTIONS.join(', ')})`;
  }
  const duration = rule.durationMs;
  if (duration !== undefined) {
    if (rule.action !== 'mute' && rule.action !== 'ban') {
      return `${rule.action} takes no duration (only mute and ban do)`;
    }
    if (!Number.isSafeInteger(duration) || duration <= 0) {
      return 'the duration must be a positive whole number of milliseconds';
    }
  } else if (rule.action === 'mute') {
    return 'mute needs a duration, as in "mute 10m: some phrase"';
  }
  if (rule.reason !== undefined) {
    if (typeof rule.reason !== 'string') return 'the reason must be a string';
    if (codePointLength(rule.reason) > MAX_REASON_LENGTH) {
      return `the reason is longer than ${MAX_REASON_LENGTH} characters`;
    }
  }
  return undefined;
}

/**
 * One rule in the file syntax (see the top of this file).
 * @throws PhraseRuleError saying what is wrong (without where: the caller adds that)
 */
export function parsePhraseRule(line: string): PhraseRule {
  const colon = line.indexOf(':');
  const rule =
    colon < 0 ? { phrase: line.trim(), action: 'disconnect' as const } : ruleWithHead(line, colon);
  const problem = ruleProblem(rule);
  if (problem) throw new PhraseRuleError(problem);
  return rule;
}

function ruleWithHead(line: string, colon: number): PhraseRule {
  const words = line.slice(0, colon).trim().split(/\s+/);
  const action = words[0]!.toLowerCase();
  if (!(PHRASE_ACTIONS as readonly string[]).includes(action)) {
    throw new PhraseRuleError(
      `"${words[0]}" before the colon is not an action (${PHRASE_ACTIONS.join(', ')}); ` +
        `to ban a phrase with a colon, begin with its action: "disconnect: ${line.trim()}"`,
    );
  }
  let rest = 1;
  let duration: number | undefined;
  if (words[1] !== undefined && DURATION.test(words[1])) {
    duration = durationMs(words[1]);
    if (duration === undefined) throw new PhraseRuleError(`the duration "${words[1]}" is too long`);
    rest = 2;
  }
  const reason = words.slice(rest).join(' ');
  const phrase = line.slice(colon + 1).trim();
  if (phrase === '')
    throw new PhraseRuleError(`no phrase after "${line.slice(0, colon + 1).trim()}"`);
  return {
    phrase,
    action: action as PhraseAction,
    ...(duration !== undefined ? { durationMs: duration } : {}),
    ...(reason !== '' ? { reason } : {}),
  };
}

/**
 * The rules of a banned-words file.
 * @param source the file's name, for errors: `banned.txt line 3: mute needs a duration, ...`
 * @throws PhraseRuleError naming the first line that is wrong
 */
export function parsePhraseRules(text: string, source: string): PhraseRule[] {
  const rules: PhraseRule[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    rules.push(located(`${source} line ${i + 1}`, () => parsePhraseRule(line)));
  });
  return rules;
}

/**
 * The rules of a configuration value: an array whose entries are lines in the file syntax
 * (`"mute 10m: some phrase"`) or objects `{ phrase, action?, duration?, reason? }`, with
 * `action` defaulting to `disconnect` and `duration` as in the file (`"10m"`) or in ms.
 * @param where how the option is named, for errors: `bannedPhrases[2]: ...`
 * @throws PhraseRuleError naming the entry that is wrong
 */
export function phraseRulesFrom(value: unknown, where: string): PhraseRule[] {
  if (!Array.isArray(value)) throw new PhraseRuleError(`${where} must be an array of rules`);
  return value.map((entry: unknown, i) =>
    located(`${where}[${i}]`, () => {
      if (typeof entry === 'string') return parsePhraseRule(entry);
      return ruleFromObject(entry);
    }),
  );
}

const RULE_KEYS = new Set(['phrase', 'action', 'duration', 'reason']);

function ruleFromObject(entry: unknown): PhraseRule {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new PhraseRuleError('must be a string or an object { phrase, action, duration, reason }');
  }
  const object = entry as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    if (!RULE_KEYS.has(key)) throw new PhraseRuleError(`unknown key "${key}"`);
  }
  if (typeof object.phrase !== 'string') throw new PhraseRuleError('"phrase" must be a string');
  const action = object.action ?? 'disconnect';
  if (typeof action !== 'string') throw new PhraseRuleError('"action" must be a string');
  let duration: number | undefined;
  if (object.duration !== undefined) {
    duration = durationMs(object.duration);
    if (duration === undefined) {
      throw new PhraseRuleError('"duration" must be as "10m", "2h", "7d" or a number of ms');
    }
  }
  if (object.reason !== undefined && typeof object.reason !== 'string') {
    throw new PhraseRuleError('"reason" must be a string');
  }
  const rule: PhraseRule = {
    phrase: object.phrase.trim(),
    action: action.toLowerCase() as PhraseAction,
    ...(duration !== undefined ? { durationMs: duration } : {}),
    ...(object.reason ? { reason: object.reason } : {}),
  };
  const problem = ruleProblem(rule);
  if (problem) throw new PhraseRuleError(problem);
  return rule;
}

/** Runs `parse`, putting `where` before the message of a PhraseRuleError. */
function located<T>(where: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof PhraseRuleError) throw new PhraseRuleError(`${where}: ${err.message}`);
    throw err;
  }
}

const UNITS: [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** `rule` in the file syntax: `parsePhraseRule(formatPhraseRule(rule))` gives it back. */
export function formatPhraseRule(rule: PhraseRule): string {
  const head = [rule.action as string];
  if (rule.durationMs !== undefined) {
    const unit = UNITS.find(([, ms]) => rule.durationMs! % ms === 0);
    head.push(unit ? `${rule.durationMs / unit[1]}${unit[0]}` : `${rule.durationMs}ms`);
  }
  if (rule.reason) head.push(rule.reason);
  const bare = head.length === 1 && rule.action === 'disconnect' && !rule.phrase.includes(':');
  return bare ? rule.phrase : `${head.join(' ')}: ${rule.phrase}`;
}
