import { codePointLength, nameProblem } from '../../protocol/names.js';

/** The settings the policy enforces. */
export interface PolicySettings {
  readonly maxNicknameLength: number;
  readonly maxMessageLength: number;
  /** Lower-cased banned phrases (the configuration normalises them). */
  readonly bannedPhrases: readonly string[];
}

/**
 * What a client may say and be called: nickname rules, message length and banned phrases
 * (docs/protocol.md, rules 4.2, 4.12 and 6.1). Pure decisions; the commands act on them.
 */
export class Policy {
  readonly maxMessageLength: number;
  private readonly maxNicknameLength: number;
  private phrases: readonly string[];

  constructor(settings: PolicySettings) {
    this.maxMessageLength = settings.maxMessageLength;
    this.maxNicknameLength = settings.maxNicknameLength;
    this.phrases = settings.bannedPhrases;
  }

  /** Takes a reloaded list of banned phrases (lower-cased, as the configuration gives them). */
  reload(bannedPhrases: readonly string[]): void {
    this.phrases = bannedPhrases;
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
   * The first banned phrase in `text`, compared case-insensitively as a substring, or undefined
   * (rule 6.1).
   */
  bannedPhrase(text: string): string | undefined {
    if (this.phrases.length === 0) return undefined;
    const lower = text.toLowerCase();
    for (const phrase of this.phrases) if (lower.includes(phrase)) return phrase;
    return undefined;
  }
}
