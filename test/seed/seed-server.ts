/**
 * Starts the seed server (test/fixtures/seed_server.py, a verbatim copy of the runnable
 * reconstruction of ChatTCPServer.py) for tests that compare Natter with it. Needs python3.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { dirname, join as joinPath } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

/** How long the seed may take to start listening. */
const SEED_START_MAX_MS = 10_000;

const LISTENING_LINE = 'The server socket is listening on';

/**
 * The seed fixture. Looked up from this module's directory upwards, so the test finds it both
 * from the compiled file in dist/ and from the source tree.
 */
const SEED_SCRIPT = ((): string => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = joinPath(dir, 'test', 'fixtures', 'seed_server.py');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error('test/fixtures/seed_server.py not found');
  }
})();

/** A free loopback port for the seed (which cannot be told to pick one itself). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface Seed {
  port: number;
  /** Everything the seed has printed so far, for failure diagnostics. */
  output(): string;
}

/**
 * Starts the seed on a free port and resolves once it is listening; it is killed when the test
 * ends. The port may be taken between probing and binding, so a failed start is retried.
 */
export async function startSeed(t: TestContext): Promise<Seed> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      'python3',
      ['-u', SEED_SCRIPT, '--host', '127.0.0.1', '--port', String(port)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    // 'error' instead of 'exit' when python3 cannot be started at all.
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    t.after(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('the seed did not start listening in time')),
          SEED_START_MAX_MS,
        );
        const settle = (error?: Error): void => {
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        };
        const collect = (chunk: Buffer): void => {
          output += chunk.toString('utf8');
          if (output.includes(LISTENING_LINE)) settle();
        };
        child.stdout.on('data', collect);
        child.stderr.on('data', collect);
        child.once('error', settle);
        child.once('exit', (code) => settle(new Error(`the seed exited with ${code}: ${output}`)));
      });
      return { port, output: () => output };
    } catch (error) {
      child.kill();
      if (attempt >= 3) throw error;
    }
  }
}
