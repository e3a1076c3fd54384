/**
 * The banned-phrase filter: a list of rules (phrase-rules.ts) compiled once into one automaton
 * (phrase-matcher.ts), asked of each message what the most severe banned phrase in it is, and
 * able to mask every banned phrase in a message.
 */
import { codePointLength } from '../protocol/names.js';
import { PhraseMatcher, type MatchVisitor } from './phrase-matcher.js';
import { afterInvisible } from './phrase-normalise.js';
import {
  PHRASE_ACTIONS,
  PhraseRuleError,
  ruleProblem,
  type PhraseAction,
  type PhraseRule,
} from './phrase-rules.js';

/** A banned phrase found in a text. */
export interface PhraseMatch {
  readonly rule: PhraseRule;
  /** The rule's position in the filter's list. */
  readonly index: number;
  /**
   * The UTF-16 range `[start, end)` of the text it covers: from its first letter to its last,
   * with whatever is between them (its disguise) and the marks and invisible characters on its
   * last letter.
   */
  readonly start: number;
  readonly end: number;
}

/** A duration longer than anyone would give: a ban with none, which lasts until lifted. */
const FOREVER = 2 ** 42;

/** How severe a rule is: by action, then (mute, ban) by duration. */
function severity(rule: PhraseRule): number {
  const rank = PHRASE_ACTIONS.indexOf(rule.action);
  const lasting = rule.action === 'mute' || rule.action === 'ban';
  const duration = lasting ? Math.min(rule.durationMs ?? FOREVER, FOREVER) : 0;
  return rank * (FOREVER + 1) + duration;
}

/**
 * Banned phrases and what they cost, compiled. Building one costs one to two microseconds and
 * about 150 bytes of tables per character of the list (1,000 two-word phrases: about 20 ms and
 * 2 MB); a new list (a reload) is a new filter, swapped in whole.
 */
export class PhraseFilter {
  readonly rules: readonly PhraseRule[];
  private readonly matcher: PhraseMatcher | undefined;
  private readonly severities: Float64Array;
  /** The most severe rule's severity: a scan for the worst match can stop at one of these. */
  private readonly worst: number;
  // The check's running best, kept here so that a clean check allocates nothing.
  private best = -1;
  private bestStart = 0;
  private bestEnd = 0;
  private readonly keepWorst: MatchVisitor = (rule, start, end) => {
    const found = this.severities[rule]!;
    if (this.best < 0 || found > this.severities[this.best]!) {
      this.best = rule;
      this.bestStart = start;
      this.bestEnd = end;
    }
    return found === this.worst;
  };

  /**
   * @param rules checked here (ruleProblem)
   * @throws PhraseRuleError naming the first rule that cannot be used, or when the phrases are
   *   too many to compile (phrase-matcher.ts, MAX_STATES)
   */
  constructor(rules: readonly PhraseRule[]) {
    rules.forEach((rule, i) => {
      const problem = ruleProblem(rule);
      if (problem) throw new PhraseRuleError(`rule ${i + 1} ("${rule.phrase}"): ${problem}`);
    });
    this.rules = rules.map((rule) => Object.freeze({ ...rule }));
    this.severities = Float64Array.from(this.rules, severity);
    this.worst = this.severities.reduce((max, s) => Math.max(max, s), -1);
    try {
      this.matcher = rules.length === 0 ? undefined : new PhraseMatcher(rules.map((r) => r.phrase));
    } catch (err) {
      if (err instanceof RangeError) throw new PhraseRuleError(err.message);
      throw err;
    }
  }

  /** Whether the filter has no rules (then it never finds anything). */
  get empty(): boolean {
    return this.matcher === undefined;
  }

  /**
   * The most severe banned phrase in `text`, or undefined when it has none (one pass, and
   * nothing allocated). Of equally severe ones, the one that ends first; of those, the longer.
   */
  check(text: string): PhraseMatch | undefined {
    if (this.matcher === undefined) return undefined;
    this.best = -1;
    this.matcher.scan(text, this.keepWorst);
    if (this.best < 0) return undefined;
    const index = this.best;
    const end = afterInvisible(text, this.bestEnd);
    return { rule: this.rules[index]!, index, start: this.bestStart, end };
  }

  /** Every banned phrase in `text`, in the order they end. */
  matches(text: string): PhraseMatch[] {
    const found: PhraseMatch[] = [];
    this.matcher?.scan(text, (index, start, end) => {
      found.push({ rule: this.rules[index]!, index, start, end: afterInvisible(text, end) });
    });
    return found;
  }

  /** The most severe action any banned phrase in `text` calls for, or undefined. */
  action(text: string): PhraseAction | undefined {
    return this.check(text)?.rule.action;
  }

  /**
   * `text` with every banned phrase masked: each code point of a match's range becomes `*`, so
   * the text keeps its length in code points. Masking can bring two words together that make
   * another phrase (`x i hate professor y` with `x y` also banned): the masked text is checked
   * again until it is clean, a few times at most (text made to need more, `darn darn darn it it
   * it` with `darn it` banned, would take a scan per pair): then all of it is masked but its
   * whitespace. Returns `text` itself when it is clean.
   */
  redact(text: string): string {
    let out = text;
    for (let round = 0; round < MAX_REDACT_ROUNDS; round++) {
      const spans: number[] = [];
      this.matcher?.scan(out, (_rule, start, end) => {
        spans.push(start, afterInvisible(out, end));
      });
      if (spans.length === 0) return out;
      out = mask(out, spans);
    }
    return this.check(out) === undefined ? out : text.replace(/\S/gu, '*');
  }
}

/** Rounds of masking {@link PhraseFilter.redact} takes before it masks the whole text. */
const MAX_REDACT_ROUNDS = 8;

/** `text` with each code point in the ranges (flat start, end pairs, any order) as `*`. */
function mask(text: string, spans: number[]): string {
  const ranges: [number, number][] = [];
  for (let i = 0; i < spans.length; i += 2) ranges.push([spans[i]!, spans[i + 1]!]);
  ranges.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end] of ranges) {
    const from = Math.max(start, at);
    if (end <= from) continue;
    out += text.slice(at, from) + '*'.repeat(codePointLength(text.slice(from, end)));
    at = end;
  }
  return out + text.slice(at);
}
