import { parseArgs } from 'node:util';
import { hashPassword } from '../moderation/password.js';
import {
  HiddenPrompt,
  MAX_PIPED_BYTES,
  PromptInterrupted,
  readFirstLine,
  type TerminalInput,
} from './password-input.js';
import { CliError, UsageError } from './usage.js';

/** `natter hash-password --help` */
export const HASH_PASSWORD_HELP = `Usage: natter hash-password

Reads a password on standard input and prints its hash (scrypt), for an operator's
"passwordHash" in the config file, as the last line of the output. On a terminal the
password is asked for twice and not shown; from a pipe it is the first line:
  printf '%s\\n' "$PASSWORD" | natter hash-password`;

/** Where the command reads and writes; the process's own streams unless a test gives others. */
export interface HashPasswordIo {
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly stdout: NodeJS.WritableStream;
  /** Prompts go here, so that stdout carries only the hash. */
  readonly stderr: NodeJS.WritableStream;
}

const processIo: HashPasswordIo = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
};

/**
 * `natter hash-password`: the hash of a password read from standard input, on its own line.
 * @returns the exit code: 0, or 130 after Ctrl-C at a prompt
 * @throws UsageError for arguments, CliError for a password that is refused
 */
export async function hashPasswordCommand(
  args: string[],
  io: HashPasswordIo = processIo,
): Promise<number> {
  let help: boolean | undefined;
  try {
    ({
      values: { help },
    } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (help) {
    io.stdout.write(HASH_PASSWORD_HELP + '\n');
    return 0;
  }
  let password: string;
  try {
    password = io.stdin.isTTY ? await askTwice(io) : await fromPipe(io.stdin);
  } catch (err) {
    if (err instanceof PromptInterrupted) return 130;
    throw err;
  }
  io.stdout.write((await hashPassword(password)) + '\n');
  return 0;
}

async function askTwice(io: HashPasswordIo): Promise<string> {
  const prompt = new HiddenPrompt(io.stdin as TerminalInput, io.stderr);
  const password = await prompt.read('Password: ');
  if (password === '') throw new CliError('an empty password is refused');
  const again = await prompt.read('The same password again: ');
  if (again !== password) throw new CliError('the two passwords differ: nothing was hashed');
  return password;
}

async function fromPipe(stdin: NodeJS.ReadableStream): Promise<string> {
  let line: string | undefined;
  try {
    line = await readFirstLine(stdin);
  } catch (err) {
    if (err instanceof RangeError) {
      throw new CliError(`the password is longer than ${MAX_PIPED_BYTES} bytes`);
    }
    throw err;
  }
  if (!line) {
    throw new CliError(
      'an empty password is refused: pipe the password in as the first line of the input',
    );
  }
  return line;
}
