import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { hashPasswordCommand } from '../../src/cli/hash-password.js';
import { HiddenPrompt, readFirstLine, type TerminalInput } from '../../src/cli/password-input.js';
import { CliError } from '../../src/cli/usage.js';
import { verifyPassword } from '../../src/moderation/password.js';
import { natter } from './process.js';

/** A terminal for the prompt: keys are written to it, and it records its raw mode. */
class FakeTerminal extends PassThrough implements TerminalInput {
  readonly isTTY = true;
  raw = false;
  readonly modes: boolean[] = [];

  setRawMode(mode: boolean): this {
    this.raw = mode;
    this.modes.push(mode);
    return this;
  }

  /** Types `keys` once the prompt has put the terminal in raw mode. */
  async type(keys: string | Buffer): Promise<void> {
    for (let i = 0; i < 200 && !this.raw; i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(this.raw, 'the prompt puts the terminal in raw mode');
    this.write(keys);
  }
}

/** Collects what is written. */
function sink(): PassThrough & { text(): string } {
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (d: string) => (text += d));
  return Object.assign(out, { text: () => text });
}

describe('natter hash-password', () => {
  it('hashes the first line of a pipe: the hash is the last line, and verifies', async (t) => {
    const cli = natter(t, ['hash-password']);
    cli.proc.stdin.end('s3cret pass phrase\nsecond line is not read\n');
    assert.equal(await cli.exitCode(), 0, cli.stderr);
    const lines = cli.stdout.trimEnd().split('\n');
    const hash = lines[lines.length - 1]!;
    assert.match(hash, /^scrypt\$N=\d+,r=\d+,p=\d+\$/);
    assert.equal(await verifyPassword('s3cret pass phrase', hash), true);
    assert.equal(await verifyPassword('second line is not read', hash), false);
  });

  it('takes a last line without a new line, and drops a CR of a CRLF', async (t) => {
    for (const input of ['crlf\r\n', 'crlf']) {
      const cli = natter(t, ['hash-password']);
      cli.proc.stdin.end(input);
      assert.equal(await cli.exitCode(), 0, cli.stderr);
      assert.equal(await verifyPassword('crlf', cli.stdout.trim()), true, JSON.stringify(input));
    }
  });

  it('refuses an empty password and an empty input, printing no hash', async (t) => {
    for (const input of ['\n', '', '\r\nnext\n']) {
      const cli = natter(t, ['hash-password']);
      cli.proc.stdin.end(input);
      assert.equal(await cli.exitCode(), 1);
      assert.equal(cli.stdout, '');
      assert.match(cli.stderr, /^natter: an empty password is refused/);
    }
  });

  it('has its help and is in the usage; a stray argument is a usage error', async (t) => {
    const help = natter(t, ['hash-password', '--help']);
    assert.equal(await help.exitCode(), 0);
    assert.match(help.stdout, /^Usage: natter hash-password/);
    const usage = natter(t, ['--help']);
    assert.equal(await usage.exitCode(), 0);
    assert.match(usage.stdout, /\n {2}hash-password {2}hash an operator's password/);
    const stray = natter(t, ['hash-password', 'secret']);
    stray.proc.stdin.end();
    assert.equal(await stray.exitCode(), 2);
    assert.match(stray.stderr, /^natter: Unexpected argument 'secret'/);
  });
});

describe('natter hash-password on a terminal', () => {
  const io = (terminal: FakeTerminal) => ({ stdin: terminal, stdout: sink(), stderr: sink() });

  it('asks twice without echo, then prints the hash and restores the terminal', async () => {
    const terminal = new FakeTerminal();
    const streams = io(terminal);
    const done = hashPasswordCommand([], streams);
    await terminal.type('hunter2\r');
    await terminal.type('hunter2\r');
    assert.equal(await done, 0);
    assert.equal(streams.stderr.text(), 'Password: \nThe same password again: \n');
    assert.equal(await verifyPassword('hunter2', streams.stdout.text().trim()), true);
    assert.deepEqual(terminal.modes, [true, false, true, false]);
    assert.equal(terminal.raw, false);
  });

  it('refuses two passwords that differ, and an empty one', async () => {
    const terminal = new FakeTerminal();
    const differ = hashPasswordCommand([], io(terminal));
    await terminal.type('one\r');
    await terminal.type('two\r');
    await assert.rejects(differ, (err) => err instanceof CliError && /differ/.test(err.message));
    const empty = new FakeTerminal();
    const refused = hashPasswordCommand([], io(empty));
    await empty.type('\r');
    await assert.rejects(refused, { message: /empty password is refused/ });
    assert.equal(empty.raw, false);
  });

  it('exits 130 on Ctrl-C, the terminal restored', async () => {
    const terminal = new FakeTerminal();
    const streams = io(terminal);
    const done = hashPasswordCommand([], streams);
    await terminal.type('half\x03');
    assert.equal(await done, 130);
    assert.equal(streams.stdout.text(), '');
    assert.equal(terminal.raw, false);
  });
});

describe('HiddenPrompt', () => {
  const read = async (keys: string[], prompts = 1) => {
    const terminal = new FakeTerminal();
    const prompt = new HiddenPrompt(terminal, sink());
    const got: string[] = [];
    for (let i = 0; i < prompts; i++) {
      const next = prompt.read('> ');
      if (i === 0) for (const chunk of keys) await terminal.type(chunk);
      got.push(await next);
    }
    return got;
  };

  it('edits with Backspace and Ctrl-U, and ignores control keys and escape sequences', async () => {
    assert.deepEqual(await read(['abc\x7f\x7fd\r']), ['ad']);
    assert.deepEqual(await read(['abc\bX\n']), ['abX']);
    assert.deepEqual(await read(['wrong\x15right\r']), ['right']);
    assert.deepEqual(await read(['\x7f\x7fok\r']), ['ok']);
    // Arrows, Home, F5, F1, Alt-x, a bracketed paste, a tab and a bell.
    assert.deepEqual(
      await read(['a\x1b[D\x1b[1;5H\x1b[15~\x1bOP\x1bxb\x1b[200~cd\x1b[201~\t\x07\r']),
      ['abcd'],
    );
    assert.deepEqual(await read(['end\x04']), ['end']);
  });

  it('removes a whole character with Backspace, and decodes bytes split across chunks', async () => {
    assert.deepEqual(await read(['a😀\x7f봄\r']), ['a봄']);
    const terminal = new FakeTerminal();
    const prompt = new HiddenPrompt(terminal, sink());
    const next = prompt.read('> ');
    const bytes = Buffer.from('비밀\r');
    await terminal.type(bytes.subarray(0, 2));
    terminal.write(bytes.subarray(2));
    assert.equal(await next, '비밀');
  });

  it('keeps keys typed ahead for the next prompt; a CRLF is one Enter', async () => {
    assert.deepEqual(await read(['first\r\nsecond\r'], 2), ['first', 'second']);
    assert.deepEqual(await read(['x\ry\r'], 2), ['x', 'y']);
  });
});

describe('readFirstLine', () => {
  it('reads up to the first new line or the end; undefined for no input', async () => {
    const of = (...chunks: string[]) => {
      const input = new PassThrough();
      for (const c of chunks) input.write(c);
      input.end();
      return readFirstLine(input);
    };
    assert.equal(await of('ab', 'c\nrest'), 'abc');
    assert.equal(await of('no newline'), 'no newline');
    assert.equal(await of('\n'), '');
    assert.equal(await of(), undefined);
    await assert.rejects(of('x'.repeat(70_000)), RangeError);
  });
});
