import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { native, nativeUnavailable, type NativeAddon } from '../../../src/server/native.js';
import { DirectSocket } from '../../../src/server/write/native-fanout.js';
import type { ChatServer } from '../../../src/chat-server.js';
import { joinAll, startServer } from '../../helpers.js';

/**
 * The native room fan-out (docs/DEVELOPING.md, "The write path"). The rest of the suite runs
 * with it on (the default wherever it is built); these tests pin down its own edges, and run
 * the same delivery checks with it off. In CI the addon must be built: a machine that silently
 * fell back to the JavaScript path would not be testing what ships.
 */
function requireAddon(t: TestContext): NativeAddon | undefined {
  if (native) return native;
  if (process.env.CI === 'true')
    assert.fail(`the native addon must be built in CI: ${nativeUnavailable}`);
  t.skip(`native addon not loaded: ${nativeUnavailable}`);
  return undefined;
}

/** A server-side socket and the client connected to it, over loopback. */
async function socketPair(t: TestContext): Promise<{ server: net.Socket; client: net.Socket }> {
  // The server side does not read: a reset from the client stays for the next send to find.
  const listener = net.createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  const server = await accepted;
  for (const socket of [client, server]) socket.on('error', () => undefined);
  t.after(() => {
    client.destroy();
    server.destroy();
    listener.close();
  });
  return { server, client };
}

function fixture(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++, dir = dirname(dir)) {
    const path = join(dir, 'test', 'fixtures', name);
    if (existsSync(path)) return path;
  }
  throw new Error(`fixture ${name} not found`);
}

/**
 * Joins `count` members, then every one chats `rounds` times, some asking for VERSION between
 * chats; each member must get every other member's chats in order and its own answers.
 */
async function chatRound(
  t: TestContext,
  server: ChatServer,
  count: number,
  rounds: number,
): Promise<void> {
  const names = Array.from({ length: count }, (_, i) => `m${i}`);
  const members = await joinAll(t, server, names);
  for (let round = 0; round < rounds; round++) {
    for (const [i, m] of members.entries()) {
      m.send({ cmd: '7', msg: `${i}:${round}` });
      // Own frames between room messages: this member's turn cannot be a direct write.
      if (round % 3 === i % 3) m.send({ cmd: '4' });
    }
  }
  for (const [r, m] of members.entries()) {
    const next = new Array<number>(count).fill(0);
    let versions = 0;
    let chats = 0;
    while (chats < (count - 1) * rounds || versions < Math.ceil((rounds - (r % 3)) / 3)) {
      const msg = await m.next();
      if (msg.cmd === '40') {
        versions++;
        continue;
      }
      assert.equal(msg.cmd, '70');
      assert.match(String(msg.msg), /^\d+:\d+$/, 'a chat of this test');
      const [s, seq] = String(msg.msg).split(':').map(Number) as [number, number];
      assert.notEqual(s, r, 'no echo');
      assert.equal(seq, next[s], `member ${r}: member ${s}'s chats in order`);
      next[s]!++;
      chats++;
    }
    await m.expectQuiet();
  }
}

/**
 * One member stops reading while another sends large chats, until direct writes have come up
 * short (the socket's buffers are full) and its stream holds a backlog, or 40 MB were sent. Then
 * it reads again while more chats arrive, which must not overtake the backlog: it must get
 * every chat once, in order, like the member that kept reading.
 */
async function pausedReaderCatchesUp(t: TestContext, server: ChatServer): Promise<void> {
  const [sender, paused, reader] = await joinAll(t, server, ['sender', 'paused', 'reader']);
  paused!.socket.pause();
  const big = 'y'.repeat(60_000);
  let sent = 0;
  const shortWrites = () => server.stats().nativeFanout?.shortWrites ?? 0;
  const fanout = server.stats().nativeFanout;
  const send = async (count: number, text: string) => {
    for (let i = 0; i < count; i++) sender!.send({ cmd: '7', msg: `${sent++}:${text}` });
    for (let i = sent - count; i < sent; i++) {
      assert.ok(String((await reader!.expect('70')).msg).startsWith(`${i}:`));
    }
  };
  while (sent < 640 && (fanout === undefined ? sent < 200 : shortWrites() === 0)) {
    await send(20, big);
  }
  if (fanout) assert.ok(shortWrites() > 0, 'a direct write came up short');
  await send(40, big); // a backlog in the stream
  paused!.socket.resume();
  const lengths = new Map<number, number>();
  for (let i = 0; i < 50; i++) await send(1, 'small');
  for (let i = 0; i < sent; i++)
    lengths.set(i, `${i}:`.length + (i < sent - 50 ? big : 'small').length);
  for (let i = 0; i < sent; i++) {
    const msg = String((await paused!.expect('70')).msg);
    assert.ok(msg.startsWith(`${i}:`), `chat ${i} in order, got ${msg.slice(0, 12)}`);
    assert.equal(msg.length, lengths.get(i), `chat ${i} complete`);
  }
  await paused!.expectQuiet();
}

describe('the native room fan-out', () => {
  it('is built and loaded', (t) => {
    requireAddon(t);
  });

  it('sendAll: bytes taken per socket, -errno for a bad or reset one, and argument checks', async (t) => {
    const addon = requireAddon(t);
    if (!addon) return;
    const { server, client } = await socketPair(t);
    const fd = DirectSocket.of(server)!.fd;
    const data = Buffer.from('{"cmd":"70","from":"a","msg":"hi"}\n');
    const results = new Int32Array(2);
    const received = new Promise<Buffer>((resolve) => client.once('data', resolve));
    assert.equal(addon.sendAll(Int32Array.of(fd, -1), 2, data, results), 1);
    assert.equal(results[0], data.length);
    assert.ok(results[1]! < 0, 'a bad descriptor is reported as -errno');
    assert.deepEqual(await received, data);
    // A reset the server has not read yet is reported as such, once; then the socket is broken.
    client.resetAndDestroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(addon.sendAll(Int32Array.of(fd), 1, data, results), 0);
    assert.equal(results[0], -os.constants.errno.ECONNRESET);
    const send = addon.sendAll as (...args: unknown[]) => number;
    assert.throws(() => send([fd], 1, data, results), TypeError);
    assert.throws(() => send(Int32Array.of(fd), 2, data, results), TypeError);
    assert.throws(() => send(Int32Array.of(fd), 1, 'text', results), TypeError);
    assert.throws(() => send(Int32Array.of(fd), 1, data, new Uint32Array(1)), TypeError);
  });

  it('writes only plain sockets, and only while their handle is live', async (t) => {
    const { server } = await socketPair(t);
    const direct = DirectSocket.of(server);
    assert.ok(direct && direct.fd >= 0, 'a TCP socket has a descriptor');
    assert.equal(direct.ready, true, 'an open socket with nothing unsent is ready');
    assert.equal(DirectSocket.of(new PassThrough()), undefined, 'a stream without a socket');
    server.destroy();
    assert.equal(direct.ready, false, 'a closed socket is never written');

    const secure = tls.createServer({
      key: readFileSync(fixture('tls-key.pem')),
      cert: readFileSync(fixture('tls-cert.pem')),
    });
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise<tls.TLSSocket>((resolve) =>
      secure.once('secureConnection', resolve),
    );
    const client = tls.connect({
      port: (secure.address() as net.AddressInfo).port,
      host: '127.0.0.1',
      rejectUnauthorized: false,
    });
    const socket = await accepted;
    t.after(() => {
      client.destroy();
      socket.destroy();
      secure.close();
    });
    assert.equal(DirectSocket.of(socket), undefined, 'bytes must not bypass TLS');
  });

  it('a room gets every chat in order, own answers in place, through direct writes', async (t) => {
    if (!requireAddon(t)) return;
    const server = await startServer(t, { maxUsers: 12, logLevel: 'silent' });
    await chatRound(t, server, 12, 30);
    assert.ok(server.stats().nativeFanout!.sockets > 0, 'room messages went out directly');
  });

  it('a reader that pauses gets the rest through its stream once it reads again', async (t) => {
    if (!requireAddon(t)) return;
    const server = await startServer(t, {
      maxQueueBytes: 256 << 20,
      maxMessageLength: 60_010, // chats of 60 KB: fewer of them fill the buffers
      logLevel: 'silent',
    });
    await pausedReaderCatchesUp(t, server);
  });

  it('with nativeWrites false, the streams do all of it, with the same results', async (t) => {
    const server = await startServer(t, {
      maxUsers: 15,
      nativeWrites: false,
      maxQueueBytes: 256 << 20,
      maxMessageLength: 60_010,
      logLevel: 'silent',
    });
    assert.equal(server.stats().nativeFanout, undefined);
    await chatRound(t, server, 12, 30);
    await pausedReaderCatchesUp(t, server);
  });
});
