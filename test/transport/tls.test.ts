import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { Duplex } from 'node:stream';
import { join as joinPath } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import tls from 'node:tls';
import { createServer, type ChatServer, type ChatServerOptions } from '../../src/chat-server.js';
import { connect, NatterError } from '../../src/index.js';
import { native, nativeUnavailable } from '../../src/server/native.js';
import { DirectSocket } from '../../src/server/write/native-fanout.js';
import { Certificates } from '../../src/transport/certificates.js';
import { secureSocket } from '../../src/transport/tls.js';
import { FakeClock } from '../fake-clock.js';
import { eventually, join, logsOf, RawClient, startServer } from '../helpers.js';
import { joinTls, openTls, servedSerial, testCertificates } from '../tls-certificates.js';

/** A server with the test certificate: TLS on a free port beside the plain one. */
function startTlsServer(t: TestContext, options: ChatServerOptions = {}): Promise<ChatServer> {
  const { server } = testCertificates();
  return startServer(t, { tlsCert: server.cert, tlsKey: server.key, ...options });
}

function tlsPort(server: ChatServer): number {
  return server.tlsAddresses[0]!.port;
}

/** Copies of the test certificate in a folder of the test's own, to be replaced. */
function certificateCopies(t: TestContext): { cert: string; key: string; dir: string } {
  const dir = mkdtempSync(joinPath(tmpdir(), 'natter-reload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { server } = testCertificates();
  const cert = joinPath(dir, 'cert.pem');
  const key = joinPath(dir, 'key.pem');
  copyFileSync(server.cert, cert);
  copyFileSync(server.key, key);
  return { cert, key, dir };
}

/** The serial number HTTPS presents on `port`. */
async function httpsSerial(port: number): Promise<string> {
  return servedSerial(port);
}

/** A GET over HTTPS, trusting `ca`: the status and the body. */
function httpsGet(url: string, ca: Buffer): Promise<{ status?: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      })
      .on('error', reject);
  });
}

describe('the chat protocol over TLS (rule 2.9)', () => {
  it('a TLS member and a TCP member chat both ways, as equals', async (t) => {
    const server = await startTlsServer(t);
    assert.equal(server.tlsAddresses.length, 1);
    assert.notEqual(tlsPort(server), server.port);
    const plain = await join(t, server, 'plain');
    const secure = await joinTls(t, tlsPort(server), 'secure');
    assert.deepEqual(await plain.next(), { cmd: '8', nickname: 'secure', userCount: 2 });
    secure.send({ cmd: '7', msg: '안녕, over TLS' });
    assert.deepEqual(await plain.next(), { cmd: '70', from: 'secure', msg: '안녕, over TLS' });
    plain.send({ cmd: '7', msg: 'and back in the clear' });
    assert.deepEqual(await secure.next(), {
      cmd: '70',
      from: 'plain',
      msg: 'and back in the clear',
    });
    secure.send({ cmd: '1' });
    const users = (await secure.expect('10')).users as unknown[][];
    assert.deepEqual(
      users.map((u) => [u[0], u[1]]),
      [
        ['plain', '127.0.0.1'],
        ['secure', '127.0.0.1'],
      ],
    );
    await plain.expectQuiet();
    await secure.expectQuiet();
  });

  it('the basics: CONNECT, USERS, WHISPER, RTT, EXIT, each answered as on TCP', async (t) => {
    const server = await startTlsServer(t);
    const port = tlsPort(server);
    const alice = await openTls(t, port);
    alice.send({ cmd: '1' });
    assert.equal((await alice.expect('907')).error, 'NOT_CONNECTED');
    alice.send({ cmd: '0', nickname: 'alice' });
    const welcome = await alice.expect('03');
    assert.deepEqual(welcome.serverAddress, ['127.0.0.1', port]);
    assert.equal(welcome.userCount, 1);
    const bob = await joinTls(t, port, 'bob');
    await alice.expect('8');
    const taken = await openTls(t, port);
    taken.send({ cmd: '0', nickname: 'bob' });
    await taken.expect('01');
    await taken.waitClosed();
    bob.send({ cmd: '1' });
    assert.deepEqual(
      ((await bob.expect('10')).users as unknown[][]).map((u) => u[0]),
      ['alice', 'bob'],
    );
    bob.send({ cmd: '2', to: 'alice', msg: 'psst' });
    assert.deepEqual(await alice.next(), { cmd: '70', from: 'bob', msg: 'psst' });
    await bob.expect('22');
    bob.send({ cmd: '2', to: 'carol', msg: 'anyone?' });
    await bob.expect('20');
    bob.send('{"cmd": "6", "beginTime": 1732700000123456789}\n');
    await bob.expect('60');
    assert.match(bob.raw, /\{"cmd":"60","beginTime":1732700000123456789\}\n$/);
    bob.send({ cmd: '3' });
    await bob.waitClosed();
    assert.deepEqual(await alice.next(), { cmd: '30', nickname: 'bob', userCount: 1 });
  });

  it('a frame over maxFrameBytes gets FRAME_TOO_LARGE 902 and a close, as on TCP', async (t) => {
    const server = await startTlsServer(t, { maxFrameBytes: 1024 });
    const client = await openTls(t, tlsPort(server));
    client.send({ cmd: '0', nickname: 'x'.repeat(2000) });
    const refusal = await client.expect('902');
    assert.equal(refusal.error, 'FRAME_TOO_LARGE');
    await client.waitClosed();
  });

  it('flood control and the per-address limits count TLS and TCP connections alike', async (t) => {
    const server = await startTlsServer(t, {
      exemptAddresses: [],
      maxConnectionsPerIp: 2,
      floodBurst: 3,
      floodRate: 0.001,
    });
    const port = tlsPort(server);
    const from = { localAddress: '127.0.0.2' } as tls.ConnectionOptions & net.NetConnectOpts;
    const plain = net.connect({ host: '127.0.0.1', port: server.port, ...from });
    t.after(() => plain.destroy());
    await new Promise((resolve) => plain.once('connect', resolve));
    const secure = await openTls(t, port, from);
    await eventually(() => server.connectionCount === 2, 'two connections');
    const third = await openTls(t, port, from);
    assert.equal((await third.expect('921')).error, 'TOO_MANY_CONNECTIONS_FROM_IP');
    await third.waitClosed();
    secure.send({ cmd: '0', nickname: 'flooder' });
    await secure.expect('03');
    for (let i = 0; i < 3; i++) secure.send({ cmd: '6', beginTime: i });
    await secure.expect('60');
    await secure.expect('60');
    assert.equal((await secure.expect('916')).error, 'RATE_LIMITED');
  });

  it('a TLS client that does not read is cut off as a slow consumer', async (t) => {
    const server = await startTlsServer(t, { maxQueueBytes: 64 * 1024 });
    const port = tlsPort(server);
    const deaf = await joinTls(t, port, 'deaf');
    const sender = await joinTls(t, port, 'sender');
    await deaf.expect('8');
    deaf.socket.pause();
    const msg = 'x'.repeat(4000);
    let cutOff = false;
    for (let batch = 0; batch < 100 && !cutOff; batch++) {
      for (let i = 0; i < 100; i++) sender.send({ cmd: '7', msg });
      sender.send({ cmd: '4' });
      for (let m = await sender.next(); m.cmd !== '40'; m = await sender.next()) {
        if (m.cmd === '30') cutOff = true;
      }
    }
    assert.ok(cutOff, 'the deaf TLS member was cut off');
    await eventually(() => server.connectionCount === 1, 'its connection to close');
  });

  it('a client that never finishes its handshake is closed after the registration timeout', async (t) => {
    const server = await startTlsServer(t, { registrationTimeoutMs: 300 });
    const silent = net.connect({ host: '127.0.0.1', port: tlsPort(server) });
    t.after(() => silent.destroy());
    await new Promise((resolve) => silent.once('connect', resolve));
    // Half a ClientHello's record header, then nothing.
    silent.write(Buffer.from([0x16, 0x03]));
    silent.on('data', () => undefined);
    silent.on('error', () => undefined);
    await eventually(() => server.connectionCount === 1, 'the server to hold it');
    await new Promise<void>((resolve) => silent.once('close', () => resolve()));
    await eventually(() => server.connectionCount === 0, 'the server to let it go');
  });

  it('without a registration timeout, a handshake still has 10 s at most', async (t) => {
    const clock = new FakeClock();
    const server = await startTlsServer(t, { registrationTimeoutMs: 0, clock });
    const silent = net.connect({ host: '127.0.0.1', port: tlsPort(server) });
    t.after(() => silent.destroy());
    silent.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    await eventually(() => server.connectionCount === 1, 'the server to hold it');
    clock.advance(9_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(server.connectionCount, 1, 'not yet');
    clock.advance(2_000);
    await closed;
    await eventually(() => server.connectionCount === 0, 'the server to let it go');
  });

  it('a TLS member among TCP members gets every chat right while they are written directly', async (t) => {
    if (!native) {
      if (process.env.CI === 'true')
        assert.fail(`the native addon must be built in CI: ${nativeUnavailable}`);
      return t.skip(`native addon not loaded: ${nativeUnavailable}`);
    }
    const server = await startTlsServer(t, { maxUsers: 20, logLevel: 'silent' });
    const plain: RawClient[] = [];
    for (let i = 0; i < 4; i++) plain.push(await join(t, server, `tcp${i}`));
    const secure = await joinTls(t, tlsPort(server), 'tls');
    const big = 'z'.repeat(3000);
    const rounds = 50;
    for (let r = 0; r < rounds; r++) {
      for (const [i, member] of plain.entries()) member.send({ cmd: '7', msg: `${i}:${r}:${big}` });
    }
    const next = [0, 0, 0, 0];
    for (let n = 0; n < rounds * plain.length; n++) {
      const m = await secure.next(`chat ${n}`);
      if (m.cmd === '8') {
        n--;
        continue;
      }
      assert.equal(m.cmd, '70');
      const [i, r, text] = String(m.msg).split(':') as [string, string, string];
      assert.equal(Number(r), next[Number(i)], `tcp${i}'s chats in order`);
      assert.equal(text, big);
      next[Number(i)]!++;
    }
    await secure.expectQuiet();
    assert.ok(server.stats().nativeFanout!.sockets > 0, 'the TCP members were written directly');
  });

  it('a wrapped socket is never written directly, though the socket beneath it could be', async (t) => {
    const { server: pair } = testCertificates();
    const context = tls.createSecureContext({
      cert: readFileSync(pair.cert),
      key: readFileSync(pair.key),
    });
    const listener = net.createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
    const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
    const raw = await accepted;
    t.after(() => {
      client.destroy();
      raw.destroy();
      listener.close();
    });
    const secure = secureSocket(raw, context);
    secure.on('error', () => undefined);
    assert.equal(DirectSocket.of(secure), undefined, 'the TLS stream');
    assert.ok(
      DirectSocket.of(raw),
      'the raw socket keeps a descriptor: it must never be handed over',
    );
  });

  it('behind a load balancer: the PROXY header comes first, the handshake after it', async (t) => {
    const server = await startTlsServer(t, { proxyProtocol: true });
    const port = tlsPort(server);
    const { ca } = testCertificates();
    /** A TLS client over a raw socket that first sends `header`: in one write with the hello. */
    const behindBalancer = async (header: string, together: boolean) => {
      const raw = net.connect({ host: '127.0.0.1', port });
      t.after(() => raw.destroy());
      await new Promise((resolve) => raw.once('connect', resolve));
      let first = true;
      const carrier = new Duplex({
        read() {},
        write(chunk: Buffer, _encoding, done) {
          const data = first && together ? Buffer.concat([Buffer.from(header), chunk]) : chunk;
          first = false;
          raw.write(data, done);
        },
        final(done) {
          raw.end();
          done();
        },
      });
      raw.on('data', (d: Buffer) => carrier.push(d));
      raw.on('end', () => carrier.push(null));
      if (!together) raw.write(header);
      const socket = tls.connect({ socket: carrier, ca, servername: 'localhost' });
      await new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', resolve);
        socket.once('error', reject);
      });
      t.after(() => socket.destroy());
      return new RawClient(socket as unknown as net.Socket);
    };
    const a = await behindBalancer('PROXY TCP4 203.0.113.7 192.0.2.1 40000 20827\r\n', true);
    a.send({ cmd: '0', nickname: 'far' });
    await a.expect('03');
    const b = await behindBalancer('PROXY TCP4 198.51.100.9 192.0.2.1 40001 20827\r\n', false);
    b.send({ cmd: '0', nickname: 'farther' });
    await b.expect('03');
    b.send({ cmd: '1' });
    assert.deepEqual((await b.expect('10')).users, [
      ['far', '203.0.113.7', 40000],
      ['farther', '198.51.100.9', 40001],
    ]);
  });

  it('--no-tcp: TLS alone, and addresses lists the plain port only', async (t) => {
    const server = await startTlsServer(t, { tcp: false });
    assert.deepEqual(server.addresses, []);
    assert.equal(server.port, 0);
    assert.equal(server.tlsAddresses.length, 1);
    await joinTls(t, tlsPort(server), 'only');
    await assert.rejects(
      createServer({ host: '127.0.0.1', port: 0, tcp: false, http: false }),
      /tcp: false turns the plain chat port off, which leaves nothing to connect to/,
    );
  });

  it('a certificate that cannot be used stops the start with a sentence naming the file', async () => {
    const { server, renewed } = testCertificates();
    const start = (tlsCert: string, tlsKey: string) =>
      createServer({ host: '127.0.0.1', port: 0, http: false, tlsCert, tlsKey });
    await assert.rejects(
      start('/nonexistent/cert.pem', server.key),
      /^CertificateError: cannot read the TLS certificate file \/nonexistent\/cert\.pem: there is no such file$/,
    );
    await assert.rejects(
      start(server.cert, renewed.key),
      new RegExp(
        `the TLS key in ${renewed.key} does not belong to the certificate in ${server.cert}`,
      ),
    );
    await assert.rejects(
      start(server.key, server.cert),
      new RegExp(`the TLS certificate file ${server.key} holds no PEM certificate`),
    );
    await assert.rejects(
      start(server.cert, server.cert),
      /holds a certificate, not a private key: are the certificate and the key swapped\?/,
    );
    await assert.rejects(
      createServer({ host: '127.0.0.1', port: 0, tlsCert: server.cert }),
      /^ConfigError: tlsCert is set without a private key: TLS needs both, so also give the key \(a PEM file\) with --tls-key \(or NATTER_TLS_KEY, or "tlsKey" in the config file\), or neither$/,
    );
  });

  it('says whom the certificate is for, and when it is not valid', () => {
    const { server } = testCertificates();
    const certificates = new Certificates(server.cert, server.key);
    assert.match(
      certificates.describe(),
      /^localhost, 127\.0\.0\.1, ::1, valid until \w+ +\d+ [\d:]+ \d{4} GMT$/,
    );
    assert.equal(certificates.validityProblem(Date.now()), undefined);
    const week = 7 * 24 * 3600 * 1000;
    assert.match(
      certificates.validityProblem(Date.now() + week)!,
      /^the TLS certificate in .*server\.pem expired on .*: clients will refuse it$/,
    );
    assert.match(
      certificates.validityProblem(Date.now() - week)!,
      /^the TLS certificate in .*server\.pem is not valid before .*: clients will refuse it$/,
    );
  });

  it('reloads the certificate: open connections stay, new ones get the new one, TLS and HTTPS', async (t) => {
    const files = certificateCopies(t);
    const { renewed } = testCertificates();
    const server = await startServer(t, { tlsCert: files.cert, tlsKey: files.key, http: true });
    const port = tlsPort(server);
    const web = server.webAddress!.port;
    assert.equal(await servedSerial(port), '1001');
    assert.equal(await httpsSerial(web), '1001');
    const before = await joinTls(t, port, 'before');
    const ws = await connect({
      url: `wss://127.0.0.1:${web}/ws`,
      tls: { ca: testCertificates().ca },
      nickname: 'web',
    });
    t.after(() => ws.destroy());
    await before.expect('8');

    copyFileSync(renewed.cert, files.cert);
    copyFileSync(renewed.key, files.key);
    assert.equal(server.reloadCertificates(), true);
    assert.match(
      logsOf(server).join('\n'),
      /TLS certificate reloaded: localhost, 127\.0\.0\.1, ::1/,
    );
    assert.equal(await servedSerial(port), '1002');
    assert.equal(await httpsSerial(web), '1002');
    before.send({ cmd: '7', msg: 'still here' });
    await ws.chat('me too');
    const after = await joinTls(t, port, 'after');
    assert.deepEqual(await before.next(), { cmd: '70', from: 'web', msg: 'me too' });
    await before.expect('8');
    after.send({ cmd: '7', msg: 'new here' });
    assert.equal((await before.expect('70')).msg, 'new here');

    writeFileSync(files.cert, 'not a certificate');
    assert.equal(server.reloadCertificates(), false);
    assert.match(
      logsOf(server).at(-1)!,
      /^the TLS certificate file .*cert\.pem holds no PEM certificate .*: still serving the certificate loaded before$/,
    );
    assert.equal(await servedSerial(port), '1002');
    assert.equal(await httpsSerial(web), '1002');
  });
});

describe('connect({ tls }) and wss://', () => {
  it('connects to the TLS port with the CA, and says what to do without it', async (t) => {
    const server = await startTlsServer(t);
    const port = tlsPort(server);
    const { ca } = testCertificates();
    const alice = await connect({ host: '127.0.0.1', port, tls: { ca }, nickname: 'alice' });
    t.after(() => alice.destroy());
    assert.ok((await alice.rtt()) >= 0);
    const bob = await connect({ host: 'localhost', port, tls: { ca }, nickname: 'bob' });
    t.after(() => bob.destroy());
    const insecure = { rejectUnauthorized: false };
    const carol = await connect({ host: '127.0.0.1', port, tls: insecure, nickname: 'carol' });
    t.after(() => carol.destroy());
    await assert.rejects(
      connect({ host: '127.0.0.1', port, tls: true, nickname: 'dave' }),
      (err: NatterError) =>
        err.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' &&
        /signed by a certificate authority this client does not trust \(give the certificate that signed it as tls: \{ ca \}/.test(
          err.message,
        ),
    );
    await assert.rejects(
      connect({ host: '127.0.0.1', port: server.port, tls: { ca }, nickname: 'eve' }),
      /does not answer in TLS: it may be a plain chat port/,
    );
  });

  it('chats over wss:// with a custom CA; HTTPS serves /healthz', async (t) => {
    const server = await startTlsServer(t, { http: true });
    const { port } = server.webAddress!;
    const { ca } = testCertificates();
    const plain = await join(t, server, 'plain');
    const web = await connect({ url: `wss://127.0.0.1:${port}/ws`, tls: { ca }, nickname: 'web' });
    t.after(() => web.destroy());
    await plain.expect('8');
    await web.chat('over wss');
    assert.deepEqual(await plain.next(), { cmd: '70', from: 'web', msg: 'over wss' });
    const health = await httpsGet(`https://127.0.0.1:${port}/healthz`, ca);
    assert.deepEqual(health, { status: 200, body: '{"status":"serving"}' });
    await joinTls(t, tlsPort(server), 'secure');
    const metrics = await httpsGet(`https://127.0.0.1:${port}/metrics`, ca);
    assert.match(metrics.body, /^natter_connections\{transport="tcp"\} 1$/m);
    assert.match(metrics.body, /^natter_connections\{transport="tls"\} 1$/m);
    assert.match(metrics.body, /^natter_connections\{transport="websocket"\} 1$/m);
    await assert.rejects(
      connect({ url: `wss://127.0.0.1:${port}/ws`, nickname: 'nobody' }),
      /does not trust/,
    );
    await assert.rejects(
      connect({ url: `ws://127.0.0.1:${port}/ws`, tls: { ca }, nickname: 'nobody' }),
      /TLS needs a wss:\/\/ URL/,
    );
  });
});
