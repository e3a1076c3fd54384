import assert from 'node:assert/strict';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { RawClient, join } from '../helpers.js';
import { parseServeArgs } from '../../src/cli/serve.js';
import { natter, natterServe, run, tempDataDir } from './process.js';

describe('natter serve', () => {
  it('serves, logs joins and leaves, and on SIGTERM tells clients, says goodbye and exits 0', async (t) => {
    const { server, port } = await natterServe(t);
    const alice = await join(t, port, 'alice');
    await server.waitFor(/alice joined lobby\. There is 1 user in lobby\./);
    server.proc.kill('SIGTERM');
    assert.equal((await alice.next()).cmd, '912');
    await alice.waitClosed();
    assert.equal(await server.exitCode(), 0);
    // Not on a terminal: one JSON object per line (pino's), with the time and the level.
    const lines = server.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; level: number; time: string; pid: number });
    assert.deepEqual(
      lines.slice(-2).map((l) => l.msg),
      ['SIGTERM received: shutting down.', 'Bye bye~'],
    );
    assert.match(lines[0]!.msg, /^Natter is listening on 127\.0\.0\.1:\d+ \(pid \d+\)$/);
    assert.equal(lines[0]!.pid, server.proc.pid);
    assert.ok(lines.every((l) => l.level === 30 && !Number.isNaN(Date.parse(l.time))));
  });

  it('--log-level warn still says where it listens; silent says nothing at all', async (t) => {
    const { server } = await natterServe(t, ['--log-level', 'warn', '--log-format', 'pretty']);
    assert.match(server.stdout, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Natter is listening on /);
    // Silent: nothing tells the port, so it is chosen here and probed until the server is up.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const args = [
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--no-http',
      '--log-level',
      'silent',
    ];
    const quiet = natter(t, ['serve', ...args]);
    const deadline = Date.now() + 5000;
    for (let up = false; !up && Date.now() < deadline;) {
      up = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (!up) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    quiet.proc.kill('SIGTERM');
    assert.equal(await quiet.exitCode(), 0);
    assert.equal(quiet.stdout + quiet.stderr, '');
  });

  it('a server made from code logs nothing unless asked', async (t) => {
    const index = fileURLToPath(new URL('../../src/index.js', import.meta.url));
    const script =
      `const { createServer } = await import(${JSON.stringify(index)});` +
      `const s = await createServer({ host: '127.0.0.1', port: 0 });` +
      `const c = await (await import('node:net')).connect(s.port, '127.0.0.1');` +
      `c.write('{"cmd":"0","nickname":"x"}\\n'); c.once('data', async () => { c.end(); await s.close(); });`;
    const child = run(t, process.execPath, ['--input-type=module', '-e', script]);
    assert.equal(await child.exitCode(), 0);
    assert.equal(child.stdout + child.stderr, '');
  });

  it('exits 0 on SIGINT too', async (t) => {
    const { server } = await natterServe(t);
    server.proc.kill('SIGINT');
    assert.equal(await server.exitCode(), 0);
    assert.match(server.stdout, /Bye bye~/);
  });

  it('takes its options from flags: capacity, banned phrases, hidden addresses', async (t) => {
    const { port } = await natterServe(t, [
      '--max-users',
      '1',
      '--banned-phrase',
      'Nope',
      '--hide-addresses',
    ]);
    const a = await join(t, port, 'a');
    a.send({ cmd: '1' });
    assert.deepEqual((await a.expect('10')).users, [['a', 'hidden', 0]]);
    const b = await RawClient.open(t, port);
    b.send({ cmd: '0', nickname: 'b' });
    assert.equal((await b.next()).cmd, '02');
    a.send({ cmd: '7', msg: 'nope nope' });
    assert.equal((await a.next()).cmd, '911');
  });

  it('turns a yes/no option off with --no-, and refuses both at once', () => {
    assert.equal(parseServeArgs(['--no-native-writes']).flags.nativeWrites, false);
    assert.equal(parseServeArgs(['--hide-addresses']).flags.hideAddresses, true);
    assert.equal(parseServeArgs([]).flags.nativeWrites, undefined);
    assert.throws(
      () => parseServeArgs(['--hide-addresses', '--no-hide-addresses']),
      /contradict each other/,
    );
  });

  it('rejects bad options with a clear message and exit code 2', async (t) => {
    const bad = natter(t, ['serve', '--port', 'ninety']);
    assert.equal(await bad.exitCode(), 2);
    assert.match(bad.stderr, /natter: --port must be a whole number from 0 to 65535, got "ninety"/);
    const negative = natter(t, ['serve', '--max-users', '-1']);
    assert.equal(await negative.exitCode(), 2);
    assert.match(
      negative.stderr,
      /natter: --max-users must be a whole number from 1 to 1000000, got "-1"/,
    );
    const unknown = natter(t, ['serve', '--colour']);
    assert.equal(await unknown.exitCode(), 2);
    assert.match(unknown.stderr, /Unknown option '--colour'/);
  });

  it('says in one sentence what is wrong with the address, and exits 1', async (t) => {
    const { port } = await natterServe(t);
    const second = natter(t, ['serve', '--host', '127.0.0.1', '--port', String(port)]);
    assert.equal(await second.exitCode(), 1);
    assert.equal(
      second.stderr,
      `natter: port ${port} on 127.0.0.1 is already in use (another natter serve?): stop it, or choose another with --port\n`,
    );
    // The HTTP listener's port taken: the sentence names its port and its flag.
    const web = await natterServe(t);
    const httpPort = Number(
      (await web.server.waitFor(/WebSocket at ws:\/\/127\.0\.0\.1:(\d+)\/ws/))[1],
    );
    const third = natter(t, [
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--http-port',
      String(httpPort),
    ]);
    assert.equal(await third.exitCode(), 1);
    assert.match(
      third.stderr,
      new RegExp(
        `^natter: port ${httpPort} on 127\\.0\\.0\\.1 is already in use .*--http-port\\n$`,
      ),
    );
    const nowhere = natter(t, ['serve', '--host', 'nosuchhost.invalid', '--port', '0']);
    assert.equal(await nowhere.exitCode(), 1);
    assert.match(
      nowhere.stderr,
      /^natter: --host nosuchhost\.invalid does not resolve to an address: use an address such as 127\.0\.0\.1/,
    );
    assert.doesNotMatch(nowhere.stderr, /at |getaddrinfo/, 'no stack trace');
  });

  it('a start that hangs on a Redis that never answers gives up, and a second signal exits', async (t) => {
    let dialled: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => (dialled = resolve));
    const blackhole = net.createServer((socket) => {
      socket.on('data', () => undefined);
      dialled();
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    t.after(() => blackhole.close());
    const redis = `redis://127.0.0.1:${(blackhole.address() as net.AddressInfo).port}`;
    const impatient = natter(t, ['serve', '--port', '0', '--redis', redis]);
    // Its signal handlers are in place before it dials Redis: once it has, it is starting.
    await reached;
    impatient.proc.kill('SIGINT');
    await impatient.waitFor(/SIGINT received while starting/, 'stderr');
    impatient.proc.kill('SIGINT');
    assert.equal(await impatient.exitCode(), 1);
    const patient = natter(t, ['serve', '--port', '0', '--redis', redis]);
    await patient.waitFor(/cannot connect to redis at /, 'stderr', 10_000);
    assert.equal(await patient.exitCode(), 1);
  });

  it('npm start passes flags after -- to the server', async (t) => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const flags = ['--host', '127.0.0.1', '--port', '0', '--data-dir', tempDataDir(t)];
    const npm = run(t, 'npm', ['start', '--silent', '--', ...flags], {
      cwd: root,
      detached: true, // its own process group, so the test can stop npm and node together
    });
    const match = await npm.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
    const client = await join(t, Number(match[1]), 'viaNpm');
    assert.ok(client);
    process.kill(-npm.proc.pid!, 'SIGTERM');
    await npm.exitCode();
  });

  it('prints its usage', async (t) => {
    const help = natter(t, ['serve', '--help']);
    assert.equal(await help.exitCode(), 0);
    assert.match(help.stdout, /--max-users VALUE/);
    assert.match(help.stdout, /--banned-words-file FILE/);
    const version = natter(t, ['--version']);
    assert.equal(await version.exitCode(), 0);
    assert.match(version.stdout, /^natter \d+\.\d+\.\d+\n$/);
  });
});
