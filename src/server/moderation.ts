/**
 * The banned-phrase rule (docs/protocol.md, rule 6.1): a CHAT or WHISPER message containing any
 * banned phrase, compared case-insensitively as a substring, gets its sender disconnected.
 * Phrases arrive lower-cased from the configuration.
 */
export class PhraseFilter {
  constructor(private readonly phrases: readonly string[]) {}

  /** The first banned phrase in `text`, or undefined. */
  find(text: string): string | undefined {
    if (this.phrases.length === 0) return undefined;
    const lower = text.toLowerCase();
    for (const phrase of this.phrases) if (lower.includes(phrase)) return phrase;
    return undefined;
  }
}
