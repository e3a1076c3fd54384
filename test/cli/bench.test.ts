import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from '../../src/bench/run.js';
import { startServer } from '../helpers.js';
import { natter, run } from './process.js';

const SOCKETIO_SERVER = fileURLToPath(new URL('../../bench/socketio-server.js', import.meta.url));
/** A short run: 4 clients, 2 of them sending 20 chats a second for a second. */
const SHORT = ['--clients', '4', '--senders', '2', '--rate', '20', '--duration', '1'];
const RUN_MS = 20_000;

/** Runs `natter bench --json ...args`; its exit code and its result. */
async function bench(t: TestContext, args: string[]): Promise<BenchResult> {
  const child = natter(t, ['bench', '--json', '--warmup', '0', '--workers', '1', ...args]);
  const code = await child.exitCode(RUN_MS);
  assert.equal(code, 0, child.stderr + child.stdout);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as BenchResult;
}

/** Every chat reached the three other clients, once and in order. */
function assertDelivered(r: BenchResult, wire: string): void {
  assert.equal(r.scenario.wire, wire);
  assert.ok(r.sent > 0, 'chats were sent');
  assert.equal(r.received, r.sent * 3);
  assert.equal(r.lost, 0);
  assert.equal(r.outOfOrder, 0);
  assert.equal(r.disconnects, 0);
  assert.ok(r.deliveriesPerSec > 0);
}

/** A throwaway certificate for 127.0.0.1, made with openssl; removed when the test ends. */
function certificate(t: TestContext): { cert: string; key: string; certFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'natter-bench-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'],
      ...['-keyout', keyFile, '-out', certFile],
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile };
}

/** A TLS listener on a free port that passes each connection on to `port`, as it is. */
async function tlsInFront(
  t: TestContext,
  pair: { cert: string; key: string },
  port: number,
): Promise<number> {
  const proxy = tls.createServer({ cert: pair.cert, key: pair.key }, (client) => {
    const upstream = net.connect({ host: '127.0.0.1', port });
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.after(() => proxy.close());
  return (proxy.address() as net.AddressInfo).port;
}

describe('natter bench', () => {
  it('--ws drives Natter over WebSocket and counts every delivery', async (t) => {
    const server = await startServer(t, { http: true, maxUsers: 10 });
    const r = await bench(t, ['--ws', '--port', String(server.webAddress!.port), ...SHORT]);
    assertDelivered(r, 'ws');
  });

  it('--caps history: every delivery numbered, the seqs checked; none without history', async (t) => {
    const server = await startServer(t, { maxUsers: 10 });
    const r = await bench(t, ['--caps', 'history', '--port', String(server.port), ...SHORT]);
    assertDelivered(r, 'tcp');
    assert.deepEqual(r.caps, { asked: ['history'], granted: ['history'] });
    assert.deepEqual(r.numbering, {
      numbered: r.received,
      unnumbered: 0,
      seqOutOfOrder: 0,
      seqSkipped: 0,
    });

    const off = await startServer(t, { maxUsers: 10, history: false });
    const seed = await bench(t, ['--caps', 'history', '--port', String(off.port), ...SHORT]);
    assertDelivered(seed, 'tcp');
    assert.deepEqual(seed.caps, { asked: ['history'], granted: [] });
    assert.equal(seed.numbering!.numbered, 0);
    assert.equal(seed.numbering!.unnumbered, seed.received);
    // Seed clients: nothing asked, nothing read.
    const plain = await bench(t, ['--port', String(server.port), ...SHORT]);
    assert.equal(plain.caps, undefined);
    assert.equal(plain.numbering, undefined);
  });

  it('--socketio drives the Socket.IO chat server of npm run bench', async (t) => {
    const sio = run(t, process.execPath, [SOCKETIO_SERVER, '0']);
    const port = (await sio.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]!;
    const r = await bench(t, ['--socketio', '--port', port, ...SHORT]);
    assertDelivered(r, 'socketio');
  });

  it('--tls and --ws --tls connect over TLS, checking the certificate with --ca', async (t) => {
    const pair = certificate(t);
    const server = await startServer(t, { http: true, maxUsers: 10 });
    const chat = await tlsInFront(t, pair, server.port);
    const web = await tlsInFront(t, pair, server.webAddress!.port);
    const ca = ['--ca', pair.certFile];
    assertDelivered(await bench(t, ['--tls', ...ca, '--port', String(chat), ...SHORT]), 'tls');
    assertDelivered(
      await bench(t, ['--ws', '--tls', ...ca, '--port', String(web), ...SHORT]),
      'wss',
    );
    // A certificate that the CA given did not sign is refused.
    const other = certificate(t);
    const refused = natter(t, ['bench', '--tls', '--ca', other.certFile, '--port', String(chat)]);
    assert.equal(await refused.exitCode(RUN_MS), 1);
    assert.match(refused.stderr, /certificate/);
  });
});
