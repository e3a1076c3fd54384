import { PhraseFilter, type PhraseMatch } from '../../moderation/phrase-filter.js';
import { phraseRulesFrom, type PhraseRuleConfig } from '../../moderation/phrase-rules.js';
import { codePointLength, nameProblem } from '../../protocol/names.js';

/** The settings the policy enforces. */
export interface PolicySettings {
  readonly maxNicknameLength: number;
  readonly maxMessageLength: number;
  /** Banned phrases and their actions, as the configuration gives them (validated there). */
  readonly bannedPhrases: readonly PhraseRuleConfig[];
}

/**
 * What a client may say and be called: nickname rules, message length and banned phrases
 * (docs/protocol.md, rules 4.2, 4.12 and 6.1). Pure decisions; the commands act on them.
 */
export class Policy {
  readonly maxMessageLength: number;
  private readonly maxNicknameLength: number;
  private filter: PhraseFilter;
  /**
   * The last text checked and what was found: a chat is checked when it is read (may it
   * overlap?) and again when it is carried out, and the second check is then free.
   */
  private lastText: string | undefined;
  private lastMatch: PhraseMatch | undefined;

  constructor(settings: PolicySettings) {
    this.maxMessageLength = settings.maxMessageLength;
    this.maxNicknameLength = settings.maxNicknameLength;
    this.filter = compile(settings.bannedPhrases);
  }

  /** Takes a reloaded list of banned phrases (SIGHUP); the configuration checked them. */
  reload(bannedPhrases: readonly PhraseRuleConfig[]): void {
    this.filter = compile(bannedPhrases);
    this.lastText = undefined;
    this.lastMatch = undefined;
  }

  /** Why a nickname cannot be used, or undefined (rule 4.2). */
  nicknameProblem(nickname: string): string | undefined {
    const problem = nameProblem(nickname, this.maxNicknameLength);
    if (problem) return problem;
    if (this.bannedPhrase(nickname) !== undefined) return 'contains a banned phrase';
    return undefined;
  }

  /** True when a CHAT or WHISPER message is over `maxMessageLength` characters (rule 4.12). */
  messageTooLong(msg: string): boolean {
    const max = this.maxMessageLength;
    // A string has at least as many UTF-16 units as code points: count only when it may matter.
    return msg.length > max && codePointLength(msg) > max;
  }

  /**
   * The most severe banned phrase in `text`, matched through case, compatibility forms,
   * invisible characters, accents, look-alike letters and the punctuation between words, or
   * undefined (rule 6.1; src/moderation/phrase-filter.ts).
   */
  bannedPhrase(text: string): PhraseMatch | undefined {
    if (this.filter.empty) return undefined;
    if (text !== this.lastText) {
      this.lastMatch = this.filter.check(text);
      this.lastText = text;
    }
    return this.lastMatch;
  }

  /** `text` with every banned phrase masked (a rule's `redact`). */
  redact(text: string): string {
    return this.filter.redact(text);
  }
}

function compile(phrases: readonly PhraseRuleConfig[]): PhraseFilter {
  return new PhraseFilter(phraseRulesFrom(phrases, 'bannedPhrases'));
}
