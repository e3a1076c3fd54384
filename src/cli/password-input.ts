/**
 * Reading a password on standard input: typed on a terminal without being shown, or the first
 * line of a pipe.
 */
import { StringDecoder } from 'node:string_decoder';

/** A terminal's input, as `process.stdin` is on a TTY. */
export interface TerminalInput extends NodeJS.ReadableStream {
  setRawMode(mode: boolean): unknown;
}

/** The user pressed Ctrl-C at a password prompt. */
export class PromptInterrupted extends Error {
  override name = 'PromptInterrupted';
}

/** The longest first line read from a pipe: enough for any password, bounded all the same. */
export const MAX_PIPED_BYTES = 64 * 1024;

/**
 * Asks for passwords on a terminal, showing nothing as they are typed: the terminal is put in
 * raw mode (no echo, no line editing by the terminal) while a prompt waits, and the keys are
 * handled here. Enter (or Ctrl-D) ends a password, Backspace removes its last character, Ctrl-U
 * all of it, Ctrl-C rejects with {@link PromptInterrupted}. Other control keys, and escape
 * sequences (arrows, function keys, the markers of a bracketed paste), are ignored. Keys typed
 * ahead (both passwords pasted at once) are kept for the next prompt. The terminal is put back
 * as it was whatever happens.
 */
export class HiddenPrompt {
  private readonly decoder = new StringDecoder('utf8');
  /** Keys received after the last password ended. */
  private ahead = '';
  private escape: 'none' | 'start' | 'csi' | 'ss3' = 'none';
  /** The last key was CR: a LF right after it is the same line ending (pasted CRLF). */
  private afterCr = false;

  constructor(
    private readonly input: TerminalInput,
    private readonly output: NodeJS.WritableStream,
  ) {}

  /** Writes `prompt`, reads a password, then writes a new line. */
  read(prompt: string): Promise<string> {
    const { input, output } = this;
    output.write(prompt);
    // Code points, so that Backspace removes a whole character, not half a surrogate pair.
    const typed: string[] = [];
    return new Promise<string>((resolve, reject) => {
      let done = false;
      const finish = (error?: Error) => {
        done = true;
        input.removeListener('data', onData);
        input.removeListener('end', onEnd);
        input.setRawMode(false);
        input.pause();
        output.write('\n');
        if (error) reject(error);
        else resolve(typed.join(''));
      };
      const onEnd = () => finish();
      const keys = (text: string) => {
        const chars = [...text];
        for (let i = 0; i < chars.length && !done; i++) {
          const outcome = this.key(chars[i]!, typed);
          if (outcome === 'more') continue;
          this.ahead = chars.slice(i + 1).join('');
          finish(outcome === 'interrupt' ? new PromptInterrupted('interrupted') : undefined);
        }
      };
      const onData = (chunk: Buffer | string) =>
        keys(typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
      const pending = this.ahead;
      this.ahead = '';
      keys(pending);
      if (done) return;
      input.setRawMode(true);
      input.on('data', onData);
      input.on('end', onEnd);
      input.resume();
    });
  }

  /** Applies one key to the password being typed; whether it ended the password. */
  private key(char: string, typed: string[]): 'more' | 'enter' | 'interrupt' {
    const code = char.codePointAt(0)!;
    const afterCr = this.afterCr;
    this.afterCr = char === '\r';
    if (char === '\n' && afterCr) return 'more';
    if (this.escape === 'start') {
      // ESC [ starts a sequence with parameters, ESC O one more key (F1 to F4 on some
      // terminals); ESC and any other key (Alt and that key) is a whole one.
      this.escape = char === '[' ? 'csi' : char === 'O' ? 'ss3' : 'none';
    } else if (this.escape === 'ss3') {
      this.escape = 'none';
    } else if (this.escape === 'csi') {
      if (code >= 0x40 && code <= 0x7e) this.escape = 'none';
    } else if (char === '\r' || char === '\n' || char === '\x04') {
      return 'enter';
    } else if (char === '\x03') {
      return 'interrupt';
    } else if (char === '\x7f' || char === '\b') {
      typed.pop();
    } else if (char === '\x15') {
      typed.length = 0;
    } else if (char === '\x1b') {
      this.escape = 'start';
    } else if (code >= 0x20 && !(code >= 0x7f && code < 0xa0)) {
      typed.push(char);
    }
    return 'more';
  }
}

/**
 * The first line of a piped input (without its line ending), read up to the first new line or
 * the end; the rest is left unread. Undefined when the input is empty.
 * @throws RangeError when the first line is longer than {@link MAX_PIPED_BYTES}
 */
export async function readFirstLine(input: NodeJS.ReadableStream): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  let any = false;
  for await (const chunk of input) {
    any = true;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const newline = bytes.indexOf(0x0a);
    const part = newline === -1 ? bytes : bytes.subarray(0, newline);
    chunks.push(part);
    length += part.length;
    if (length > MAX_PIPED_BYTES) {
      throw new RangeError(`the first line is longer than ${MAX_PIPED_BYTES} bytes`);
    }
    // Leaving the loop stops reading: whatever follows the first line is not ours.
    if (newline !== -1) break;
  }
  if (!any) return undefined;
  return Buffer.concat(chunks).toString('utf8').replace(/\r$/, '');
}
