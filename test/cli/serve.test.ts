import assert from 'node:assert/strict';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { RawClient, join } from '../helpers.js';
import { parseServeArgs } from '../../src/cli/serve.js';
import { natter, natterServe, run } from './process.js';

describe('natter serve', () => {
  it('serves, logs joins and leaves, and on SIGTERM tells clients, says goodbye and exits 0', async (t) => {
    const { server, port } = await natterServe(t);
    const alice = await join(t, port, 'alice');
    await server.waitFor(/alice joined lobby\. There is 1 user in lobby\./);
    server.proc.kill('SIGTERM');
    assert.equal((await alice.next()).cmd, '912');
    await alice.waitClosed();
    assert.equal(await server.exitCode(), 0);
    assert.match(server.stdout, /SIGTERM received: shutting down\.\nBye bye~\n$/);
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
    assert.match(bad.stderr, /natter: port \(from flags\) must be a whole number/);
    const unknown = natter(t, ['serve', '--colour']);
    assert.equal(await unknown.exitCode(), 2);
    assert.match(unknown.stderr, /Unknown option '--colour'/);
  });

  it('reports a port in use and exits 2', async (t) => {
    const { port } = await natterServe(t);
    const second = natter(t, ['serve', '--host', '127.0.0.1', '--port', String(port)]);
    assert.equal(await second.exitCode(), 2);
    assert.match(second.stderr, /already in use/);
  });

  it('a start that hangs on a Redis that never answers gives up, and a second signal exits', async (t) => {
    const blackhole = net.createServer((socket) => socket.on('data', () => undefined));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    t.after(() => blackhole.close());
    const redis = `redis://127.0.0.1:${(blackhole.address() as net.AddressInfo).port}`;
    const impatient = natter(t, ['serve', '--port', '0', '--redis', redis]);
    await new Promise((resolve) => setTimeout(resolve, 300));
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
    const npm = run(t, 'npm', ['start', '--silent', '--', '--host', '127.0.0.1', '--port', '0'], {
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
