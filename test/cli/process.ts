/**
 * Runs the `natter` command as a child process, for the CLI tests: collects its output and
 * waits for patterns in it, every wait bounded.
 */
import { spawn, type ChildProcessWithoutNullStreams, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { WAIT_MS } from '../helpers.js';

/** The compiled CLI entry point. */
export const NATTER_BIN = fileURLToPath(new URL('../../src/cli/natter.js', import.meta.url));

export class Child {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  }

  /** stdout without terminal control sequences (cursor moves, line clears). */
  get screenText(): string {
    // eslint-disable-next-line no-control-regex
    return this.stdout.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  }

  /** Waits until stdout (or stderr, or the stdout text on screen) matches; returns the match. */
  async waitFor(
    pattern: RegExp,
    stream: 'stdout' | 'stderr' | 'screenText' = 'stdout',
    waitMs = WAIT_MS,
  ): Promise<RegExpMatchArray> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const match = this[stream].match(pattern);
      if (match) return match;
      if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting for ${pattern} in ${stream}:\n${this[stream]}\n${this.stderr}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Waits for the process to exit; returns its exit code. */
  /** Waits (at most `waitMs`) for the process to exit; its exit code. */
  async exitCode(waitMs = WAIT_MS): Promise<number | null> {
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), waitMs).unref(),
    );
    const result = await Promise.race([this.exited, timeout]);
    if (result === 'timeout')
      throw new Error(`process did not exit:\n${this.stdout}\n${this.stderr}`);
    return result;
  }

  write(text: string): void {
    this.proc.stdin.write(text);
  }
}

/** Spawns a command; it is killed when the test ends, if still running. */
export function run(
  t: TestContext,
  command: string,
  args: string[],
  options: SpawnOptions = {},
): Child {
  const proc = spawn(command, args, {
    stdio: 'pipe',
    ...options,
  }) as ChildProcessWithoutNullStreams;
  t.after(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  return new Child(proc);
}

/**
 * Spawns `natter ...args` with the current Node. A server keeps its history in a directory of
 * its own that is removed after the test, unless the test names one (`--data-dir` or
 * NATTER_DATA_DIR): never in the working directory, and never shared by two tests.
 */
export function natter(t: TestContext, args: string[], options: SpawnOptions = {}): Child {
  const env = { ...(options.env ?? process.env) };
  if (args[0] === 'serve' && env.NATTER_DATA_DIR === undefined) {
    env.NATTER_DATA_DIR = tempDataDir(t);
  }
  return run(t, process.execPath, [NATTER_BIN, ...args], { ...options, env });
}

/** A data directory for one server of one test, removed when the test ends. */
export function tempDataDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'natter-serve-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts `natter serve` on a free loopback port; resolves with the child and the port. */
export async function natterServe(
  t: TestContext,
  extra: string[] = [],
): Promise<{ server: Child; port: number }> {
  const server = natter(t, ['serve', '--host', '127.0.0.1', '--port', '0', ...extra]);
  const match = await server.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
  return { server, port: Number(match[1]) };
}
