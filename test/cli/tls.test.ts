import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { join } from '../helpers.js';
import { REDIS_URL, needRedis } from '../redis.js';
import { joinTls, servedSerial, testCertificates } from '../tls-certificates.js';
import { natter, type Child } from './process.js';

/** `natter serve` with a certificate on free ports: its plain and TLS chat ports. */
async function serveTls(
  t: TestContext,
  cert: string,
  key: string,
  extra: string[] = [],
): Promise<{ server: Child; port: number | undefined; tlsPort: number }> {
  const args = ['serve', '--host', '127.0.0.1', '--port', '0', '--no-http'];
  const server = natter(t, [...args, '--tls-cert', cert, '--tls-key', key, ...extra]);
  const tls = await server.waitFor(/listening with TLS on 127\.0\.0\.1:(\d+)/);
  const plain = server.stdout.match(/listening on 127\.0\.0\.1:(\d+)/);
  return { server, port: plain ? Number(plain[1]) : undefined, tlsPort: Number(tls[1]) };
}

describe('natter serve --tls-cert, natter chat --tls', () => {
  it('natter chat --tls --ca chats with a TCP member through natter serve', async (t) => {
    const { server: pair, caFile } = testCertificates();
    const { port, tlsPort } = await serveTls(t, pair.cert, pair.key);
    const plain = await join(t, port!, 'plain');
    for (const host of ['127.0.0.1', 'localhost']) {
      const cli = natter(t, [
        'chat',
        ...['--tls', '--ca', caFile, '--host', host, '--port', String(tlsPort)],
        ...['--nick', 'secure'],
      ]);
      cli.write('hello over TLS\n\\users\n');
      cli.proc.stdin.end();
      assert.equal(await cli.exitCode(), 0, cli.stderr);
      assert.match(
        cli.stdout,
        new RegExp(`\\* connected to ${host}:${tlsPort} over TLS as secure`),
      );
      assert.match(cli.stdout, /\* 2 users in your room:\n {2}plain /);
      assert.deepEqual(await plain.next(), { cmd: '8', nickname: 'secure', userCount: 2 });
      assert.deepEqual(await plain.next(), { cmd: '70', from: 'secure', msg: 'hello over TLS' });
      assert.equal((await plain.next()).cmd, '30');
    }
  });

  it('a certificate it does not trust: a sentence saying what to pass, exit 1', async (t) => {
    const { selfSigned, server: signed, caFile } = testCertificates();
    const self = await serveTls(t, selfSigned.cert, selfSigned.key);
    const chat = (port: number, extra: string[]) =>
      natter(t, ['chat', '--tls', '--host', '127.0.0.1', '--port', String(port), ...extra]);
    const untrusted = chat(self.tlsPort, ['--nick', 'a']);
    assert.equal(await untrusted.exitCode(), 1);
    assert.equal(
      untrusted.stderr,
      `natter: cannot connect to 127.0.0.1:${self.tlsPort} over TLS: the server's certificate is self-signed, so not trusted: pass the server's certificate with --ca FILE, or --insecure to skip the check (for testing only)\n`,
    );
    const wrongCa = chat(self.tlsPort, ['--ca', caFile, '--nick', 'b']);
    assert.equal(await wrongCa.exitCode(), 1);
    assert.match(wrongCa.stderr, /and it is not the one in --ca: pass the server's own/);
    const ownCert = chat(self.tlsPort, ['--ca', selfSigned.cert, '--nick', 'c']);
    ownCert.proc.stdin.end();
    assert.equal(await ownCert.exitCode(), 0, ownCert.stderr);
    const insecure = chat(self.tlsPort, ['--insecure', '--nick', 'd']);
    insecure.proc.stdin.end();
    assert.equal(await insecure.exitCode(), 0, insecure.stderr);

    const byCa = await serveTls(t, signed.cert, signed.key);
    const noCa = chat(byCa.tlsPort, ['--nick', 'e']);
    assert.equal(await noCa.exitCode(), 1);
    assert.match(
      noCa.stderr,
      /signed by a certificate authority this client does not trust: pass the certificate that signed it with --ca FILE, or --insecure/,
    );
    const plain = chat(byCa.port!, ['--ca', caFile, '--nick', 'f']);
    assert.equal(await plain.exitCode(), 1);
    assert.match(plain.stderr, /does not answer in TLS: it may be a plain chat port/);
    const both = natter(t, ['chat', '--tls', '--ca', caFile, '--insecure', '--nick', 'g']);
    assert.equal(await both.exitCode(), 2);
    assert.match(both.stderr, /--ca and --insecure contradict each other/);
    const noTls = natter(t, ['chat', '--ca', caFile, '--nick', 'h']);
    assert.equal(await noTls.exitCode(), 2);
    assert.match(noTls.stderr, /--ca is for --tls: add --tls/);
    const missing = natter(t, ['chat', '--tls', '--ca', '/nonexistent/ca.pem', '--nick', 'i']);
    assert.equal(await missing.exitCode(), 1);
    assert.equal(
      missing.stderr,
      'natter: cannot read --ca /nonexistent/ca.pem: there is no such file\n',
    );
  });

  it('SIGHUP reloads the certificate: connections stay, new ones get it; a bad one is kept out', async (t) => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'natter-sighup-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const { server: first, renewed } = testCertificates();
    const cert = joinPath(dir, 'cert.pem');
    const key = joinPath(dir, 'key.pem');
    copyFileSync(first.cert, cert);
    copyFileSync(first.key, key);
    const { server, tlsPort } = await serveTls(t, cert, key);
    assert.equal(await servedSerial(tlsPort), '1001');
    const member = await joinTls(t, tlsPort, 'member');

    copyFileSync(renewed.cert, cert);
    copyFileSync(renewed.key, key);
    server.proc.kill('SIGHUP');
    await server.waitFor(/TLS certificate reloaded: localhost, 127\.0\.0\.1, ::1, valid until/);
    assert.equal(await servedSerial(tlsPort), '1002');
    member.send({ cmd: '6', beginTime: 1 });
    await member.expect('60');
    const newcomer = await joinTls(t, tlsPort, 'newcomer');
    assert.equal((await member.expect('8')).nickname, 'newcomer');

    writeFileSync(key, 'garbage');
    server.proc.kill('SIGHUP');
    await server.waitFor(
      /the TLS key file .*key\.pem holds no PEM private key .*: still serving the certificate loaded before/,
      'stderr',
    );
    assert.equal(await servedSerial(tlsPort), '1002');
    newcomer.send({ cmd: '7', msg: 'still up' });
    assert.equal((await member.expect('70')).msg, 'still up');
    server.proc.kill('SIGTERM');
    assert.equal(await server.exitCode(), 0);
  });

  it('--no-tcp serves TLS alone; the start lines say where', async (t) => {
    const { server: pair, caFile } = testCertificates();
    const { server, port, tlsPort } = await serveTls(t, pair.cert, pair.key, ['--no-tcp']);
    assert.equal(port, undefined, 'no plain chat port');
    assert.doesNotMatch(server.stdout, /listening on /);
    const cli = natter(t, [
      'chat',
      '--tls',
      '--ca',
      caFile,
      '--port',
      String(tlsPort),
      '--nick',
      'x',
    ]);
    cli.proc.stdin.end();
    assert.equal(await cli.exitCode(), 0, cli.stderr);
    const web = natter(t, [
      'serve',
      ...['--host', '127.0.0.1', '--port', '0', '--http-port', '0'],
      ...['--tls-cert', pair.cert, '--tls-key', pair.key],
    ]);
    await web.waitFor(
      /Web client at https:\/\/127\.0\.0\.1:\d+\/ \(WebSocket at wss:\/\/127\.0\.0\.1:\d+\/ws, health at \/healthz/,
    );
  });

  it('configuration mistakes: a sentence naming the option or the file', async (t) => {
    const { server: pair } = testCertificates();
    const serve = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      natter(t, ['serve', '--host', '127.0.0.1', '--port', '0', ...args], {
        env: { ...process.env, ...env },
      });
    const certOnly = serve(['--tls-cert', pair.cert]);
    assert.equal(await certOnly.exitCode(), 2);
    assert.match(
      certOnly.stderr,
      /^natter: --tls-cert is set without a private key: TLS needs both, so also give the key \(a PEM file\) with --tls-key \(or NATTER_TLS_KEY, or "tlsKey" in the config file\), or neither\n/,
    );
    const keyOnly = serve([], { NATTER_TLS_KEY: pair.key });
    assert.equal(await keyOnly.exitCode(), 2);
    assert.match(
      keyOnly.stderr,
      /^natter: NATTER_TLS_KEY is set without a certificate: .*--tls-cert/,
    );
    const nothing = serve(['--no-tcp', '--no-http']);
    assert.equal(await nothing.exitCode(), 2);
    assert.match(
      nothing.stderr,
      /^natter: --no-tcp turns the plain chat port off, which leaves nothing to connect to: serve TLS \(--tls-cert and --tls-key\) or keep the HTTP listener on \(--http\)\n/,
    );
    const unreadable = serve(['--tls-cert', '/nonexistent/cert.pem', '--tls-key', pair.key]);
    assert.equal(await unreadable.exitCode(), 1);
    assert.equal(
      unreadable.stderr,
      'natter: cannot read the TLS certificate file /nonexistent/cert.pem: there is no such file\n',
    );
    const { tlsPort } = await serveTls(t, pair.cert, pair.key);
    const taken = serve([
      '--tls-cert',
      pair.cert,
      '--tls-key',
      pair.key,
      '--tls-port',
      String(tlsPort),
    ]);
    assert.equal(await taken.exitCode(), 1);
    assert.equal(
      taken.stderr,
      `natter: port ${tlsPort} on 127.0.0.1 is already in use (another natter serve?): stop it, or choose another with --tls-port\n`,
    );
  });

  it('a cluster node whose certificate cannot be read exits too, letting go of Redis', async (t) => {
    const prefix = await needRedis(t);
    if (prefix === undefined) return;
    const { server: pair } = testCertificates();
    const node = natter(t, [
      ...['serve', '--host', '127.0.0.1', '--port', '0'],
      ...['--redis', REDIS_URL, '--redis-prefix', prefix],
      ...['--tls-cert', pair.cert, '--tls-key', '/nonexistent/key.pem'],
    ]);
    assert.equal(await node.exitCode(), 1);
    assert.equal(
      node.stderr,
      'natter: cannot read the TLS key file /nonexistent/key.pem: there is no such file\n',
    );
  });
});
