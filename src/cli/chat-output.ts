/**
 * Where `natter chat` puts what a command has to say, and how a failed command is told.
 */
import { NatterError, type ChatClient, type HistoryMessage } from '../client/index.js';
import { moderationLine } from './moderation-format.js';

/** Where a command's output goes: notices (`* ...`, `! ...`) and plain rows. */
export interface Output {
  /** A notice of the client's own: `* ...`, or `! ...` for an error. */
  notice(text: string): void;
  /** A row of a list, as it is. */
  line(text: string): void;
  /** Messages from the room's history, oldest first, shown apart from live ones. */
  history(messages: readonly HistoryMessage[]): void;
  /**
   * Asks for a password (`\oper`): on a terminal without showing it, from a pipe the next line.
   * Undefined when the user gave up (Ctrl-C, or the input ended); absent where nothing can ask.
   */
  password?(prompt: string): Promise<string | undefined>;
}

/**
 * Runs a command; a failure is told as `! reason` (muted, refused: in so many words), unless the
 * connection is gone: that is told once, with its reason, by the session that watches it, and
 * so is an error that closes it.
 */
export async function attempt(
  client: ChatClient,
  out: Output,
  action: () => Promise<void>,
): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (client.isClosed || (err instanceof NatterError && err.response?.fatal === true)) return;
    const line = err instanceof NatterError ? moderationLine(err) : undefined;
    out.notice(line ?? `! ${err instanceof Error ? err.message : String(err)}`);
  }
}
