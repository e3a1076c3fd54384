/**
 * The README's shell examples, run as written against the README's own server (`npm start` on
 * port 20825, with the flags the README gives it). Every line of every ```sh block is either run
 * here or listed with the reason it is not, so an example added later without a check fails.
 * The library examples that start a server of their own are run as written too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { verifyPassword } from '../src/moderation/password.js';
import { FrameDecoder } from '../src/protocol/decoder.js';
import { natter, run, type Child } from './cli/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(new URL('README.md', `file://${ROOT}`), 'utf8');

/** The README's shell lines, without comments and prompts. */
function shellLines(): string[] {
  return shellBlocks().flat();
}

/** The README's sh blocks, each as its lines (comments and blank lines left out). */
function shellBlocks(): string[][] {
  const blocks: string[][] = [];
  for (const block of README.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines: string[] = [];
    for (const line of block[1]!.split('\n')) {
      const command = line.replace(/\s+#.*$/, '').trim();
      if (command !== '') lines.push(command);
    }
    blocks.push(lines);
  }
  return blocks;
}

/** Lines not run here, and why. */
const NOT_RUN: Record<string, string> = {
  'npm install && npm start': 'CI runs npm install; the tests start the same server (npm start)',
  'npm install && npm test': 'this is the test run',
  'npm install /path/to/natter': 'installs into another project',
  'npx natter serve': 'from another project (above); the same command as npm start here',
  'redis-server --daemonize yes --save "" --appendonly no': 'CI has Redis running already',
  'npm start -- --port 20825 --redis redis://127.0.0.1:6379':
    'a cluster node: test/cluster/ starts the same nodes on free ports',
  'npm start -- --port 20830 --redis redis://127.0.0.1:6379': 'the second node of the same',
  'npx natter bench --port 20825,20830 --clients 1000 --senders 10': 'needs the two-node cluster',
  'npx natter hash-password':
    'asks on a terminal: test/cli/hash-password.test.ts types on a terminal of its own',
};

interface PackageJson {
  scripts: { start: string };
}

/** The `nc` session, whose lines are typed requests and the server's answers. */
const NC = '$ nc 127.0.0.1 20825';

/** `npm start` with flags, on the README's port; undefined when the port is taken. */
async function readmeServer(t: TestContext, flags: string[]): Promise<Child | undefined> {
  // A server of an earlier test may still be letting go of the port.
  let free = false;
  for (let i = 0; i < 50 && !free; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    // The chat port, the HTTP listener's after it, and the TLS port after that.
    free = (await portFree(20825)) && (await portFree(20826)) && (await portFree(20827));
  }
  if (!free) {
    if (process.env.CI === 'true')
      assert.fail('port 20825, 20826 or 20827 (the README server) is taken');
    t.skip(
      'port 20825, 20826 or 20827 is taken: stop what listens there to run the README examples',
    );
    return undefined;
  }
  // What `npm start -- flags` runs, without npm in between (npm does not always pass a signal
  // on to its script).
  const start = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as PackageJson).scripts
    .start;
  // Its history in a directory of its own, not in the clone: each example starts afresh.
  const dataDir = mkdtempSync(join(tmpdir(), 'natter-readme-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { ...process.env, NATTER_DATA_DIR: dataDir };
  const server = run(t, 'sh', ['-c', `exec ${start} ${flags.join(' ')}`], { cwd: ROOT, env });
  await server.waitFor(/listening on .*:20825/);
  return server;
}

function portFree(port: number): Promise<boolean> {
  const probe = net.createServer();
  return new Promise<boolean>((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(port, 'localhost', () => probe.close(() => resolve(true)));
  });
}

/** Runs a README line with sh in the clone, as a user would; its output and exit code. */
async function shell(t: TestContext, line: string): Promise<{ code: number | null; out: string }> {
  // Nothing typed: the chat client reads its input to the end, then leaves.
  const child = run(t, 'sh', ['-c', `(${line}) < /dev/null`], { cwd: ROOT });
  const code = await child.exitCode(60_000);
  return { code, out: child.stdout + child.stderr };
}

/** An nc session of the README against its server: the requests as typed, answers alike. */
async function ncSession(t: TestContext, session: string[]): Promise<void> {
  const socket = net.connect(20825, '127.0.0.1');
  t.after(() => socket.destroy());
  const got: Record<string, unknown>[] = [];
  const decoder = new FrameDecoder(
    { maxFrameBytes: 1 << 20, maxDepth: 64 },
    { frame: (m) => got.push(m), error: () => undefined },
  );
  socket.on('data', (chunk: Buffer) => decoder.push(chunk));
  const requests = session.filter((l) => /^\{"cmd": /.test(l));
  const answers = session.filter((l) => !/^\{"cmd": /.test(l)).map((l) => JSON.parse(l));
  socket.write(requests.join('\n') + '\n');
  const deadline = Date.now() + 5000;
  while (got.length < answers.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.deepEqual(
    got.map((m) => Object.keys(m).sort()),
    answers.map((m: Record<string, unknown>) => Object.keys(m).sort()),
  );
  assert.deepEqual(
    got.map((m) => m.cmd),
    answers.map((m: Record<string, unknown>) => m.cmd),
  );
}

describe('README examples', () => {
  it('every shell line is run here or says why not', () => {
    const known = (line: string) =>
      line in NOT_RUN ||
      line.startsWith('{') ||
      line === NC ||
      line.startsWith('npx natter chat') ||
      line.startsWith('openssl req ') ||
      line.startsWith('npm start -- --tls-cert ') ||
      line.startsWith('printf ') ||
      line === 'npm start -- --max-users 20000 &' ||
      line.startsWith('npx natter bench --port 20825 ');
    for (const line of shellLines()) assert.ok(known(line), `not covered: ${line}`);
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as PackageJson;
    assert.match(pkg.scripts.start, /natter\.js serve$/, 'npm start runs the server');
  });

  it('the chat examples and the nc session, against npm start', { timeout: 60_000 }, async (t) => {
    const server = await readmeServer(t, []);
    if (!server) return;
    const chats = shellLines().filter(
      (l) => l.startsWith('npx natter chat') && !l.includes('--tls'),
    );
    for (const line of chats) {
      const { code, out } = await shell(t, line);
      assert.equal(code, 0, `${line}\n${out}`);
      assert.match(out, /\* connected to .*:20825 as /, line);
    }
    const piped = shellLines().find((l) => l.startsWith('printf ') && l.includes('natter chat'))!;
    const { code, out } = await shell(t, piped);
    assert.equal(code, 0, out);
    assert.match(out, /\* 1 user in your room:\n {2}bot /);
    // Each nc session: the requests as typed, the answers of the same shape.
    for (const block of shellBlocks().filter((lines) => lines[0] === NC)) {
      await ncSession(
        t,
        block.slice(1).filter((l) => l.startsWith('{')),
      );
    }
    server.proc.kill('SIGINT');
    assert.equal(await server.exitCode(), 0);
  });

  it('the hash-password example: the hash of a piped password, on the last line', async (t) => {
    const line = shellLines().find((l) => l.includes('| npx natter hash-password'))!;
    const env = { ...process.env, OPER_PASSWORD: 'correct horse battery' };
    const child = run(t, 'sh', ['-c', line], { cwd: ROOT, env });
    assert.equal(await child.exitCode(60_000), 0, child.stdout + child.stderr);
    const hash = child.stdout.trimEnd().split('\n').at(-1)!;
    assert.equal(await verifyPassword('correct horse battery', hash), true, hash);
  });

  it(
    'the TLS example: the certificate made as written, the server, natter chat --tls',
    { timeout: 60_000 },
    async (t) => {
      const lines = shellLines();
      const openssl = lines.find((l) => l.startsWith('openssl req '))!;
      const made = await shell(t, openssl);
      assert.equal(made.code, 0, `${openssl}\n${made.out}`);
      const start = lines.find((l) => l.startsWith('npm start -- --tls-cert '))!;
      const server = await readmeServer(t, start.slice('npm start -- '.length).split(' '));
      if (!server) return;
      await server.waitFor(/listening with TLS on .*:20827/);
      const chats = lines.filter((l) => l.startsWith('npx natter chat') && l.includes('--tls'));
      assert.ok(chats.length > 0, 'a natter chat --tls example');
      for (const line of chats) {
        const { code, out } = await shell(t, line);
        assert.equal(code, 0, `${line}\n${out}`);
        assert.match(out, /\* connected to localhost:20827 over TLS as /, line);
      }
      server.proc.kill('SIGINT');
      assert.equal(await server.exitCode(), 0);
    },
  );

  it(
    'the bench examples, against npm start -- --max-users 20000',
    { timeout: 120_000 },
    async (t) => {
      const server = await readmeServer(t, ['--max-users', '20000']);
      if (!server) return;
      for (const line of shellLines().filter((l) =>
        l.startsWith('npx natter bench --port 20825 '),
      )) {
        const { code, out } = await shell(t, line);
        assert.equal(code, 0, `${line}\n${out}`);
        assert.match(out, /server: pid \d+, listening on port 20825/, line);
      }
      server.proc.kill('SIGINT');
      // Ten thousand members of one room that left together are 50 million departure
      // announcements: on two cores the server may still be sending them when told to stop.
      assert.equal(await server.exitCode(60_000), 0);
    },
  );

  it(
    'a bench against the default room says how to start the server',
    { timeout: 60_000 },
    async (t) => {
      const server = await readmeServer(t, []);
      if (!server) return;
      const bench = natter(t, ['bench', '--port', '20825', '--clients', '100', '--duration', '1']);
      assert.equal(await bench.exitCode(), 1);
      assert.equal(
        bench.stderr,
        'natter: the room is full: start the server with --max-users 100 or more for 100 clients (the default room holds 10)\n',
      );
      server.proc.kill('SIGINT');
      assert.equal(await server.exitCode(), 0);
    },
  );

  it(
    'the library examples that start their own server, as written, importing natter by name',
    { timeout: 60_000 },
    async (t) => {
      const examples = [...README.matchAll(/```js\n([\s\S]*?)```/g)]
        .map((m) => m[1]!)
        .filter((code) => code.includes("from 'natter'") && code.includes('createServer('));
      assert.ok(examples.length > 0, 'a library example that runs on its own');
      // What the examples leave in the temporary directory goes with the test's.
      const tmp = mkdtempSync(join(tmpdir(), 'natter-readme-js-'));
      t.after(() => rmSync(tmp, { recursive: true, force: true }));
      for (const [i, code] of examples.entries()) {
        // Inside the package, so that `from 'natter'` is the package itself (its exports).
        const file = join(ROOT, 'dist', `readme-example-${i}.mjs`);
        writeFileSync(file, code);
        t.after(() => rmSync(file, { force: true }));
        const env = { ...process.env, TMPDIR: tmp };
        const child = run(t, process.execPath, [file], { cwd: ROOT, env });
        assert.equal(await child.exitCode(30_000), 0, child.stdout + child.stderr);
        if (!code.includes('reconnect: true')) continue;
        const out = child.stdout;
        assert.match(out, /^\{ seq: 1, ts: \d+ \}$/m);
        assert.match(out, /^\{ seq: 2, ts: \d+ \}$/m);
        assert.equal(out.match(/^bob reads #1 alice: hello$/gm)?.length, 1, out);
        assert.equal(out.match(/^bob reads #2 alice: are you there\?$/gm)?.length, 1, out);
        assert.match(out, /^bob is back$/m);
        assert.match(out, /\[ '#1 alice: hello', '#2 alice: are you there\?' \] false/);
      }
    },
  );
});
