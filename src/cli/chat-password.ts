/**
 * `\oper`'s password in `natter chat`: typed on the terminal without being shown while readline
 * is set aside, or, from a pipe, the next line of the input.
 */
import type readline from 'node:readline';
import { HiddenPrompt, PromptInterrupted, type TerminalInput } from './password-input.js';

/**
 * Reads a password on the terminal that readline reads, showing nothing of it. Undefined after
 * Ctrl-C or the end of the input.
 * @param editing readline edits the line itself (a terminal on both ends), rather than taking
 *   the terminal's lines as they come (output redirected)
 */
export async function askHidden(
  rl: readline.Interface,
  input: TerminalInput,
  output: NodeJS.WritableStream,
  prompt: string,
  editing: boolean,
): Promise<string | undefined> {
  // readline hears every key through `keypress` listeners when it edits, else every chunk
  // through `data` ones: they are taken off while the password is typed, so that readline
  // neither echoes it nor takes it for a line to send.
  const event = editing ? 'keypress' : 'data';
  const listeners = input.listeners(event) as ((...args: unknown[]) => void)[];
  input.removeAllListeners(event);
  rl.pause();
  try {
    return await new HiddenPrompt(input, output).read(prompt);
  } catch (err) {
    if (err instanceof PromptInterrupted) return undefined;
    throw err;
  } finally {
    for (const listener of listeners) input.on(event, listener);
    // The prompt leaves the terminal in cooked mode; an editing readline had it raw.
    if (editing) input.setRawMode(true);
    rl.resume();
  }
}

/** The next line of piped input, or undefined at its end. */
export async function nextLine(lines: AsyncIterator<string>): Promise<string | undefined> {
  const next = await lines.next();
  return next.done ? undefined : next.value;
}
