import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import type { ChatServer } from '../../src/chat-server.js';
import { connect, type ChatEvent } from '../../src/index.js';
import { eventually, join, startServer, type Msg } from '../helpers.js';

/** The HTTP listener's base URL. */
function base(server: ChatServer): string {
  const { port } = server.webAddress!;
  return `http://127.0.0.1:${port}`;
}

/** A WebSocket client of `/ws` that keeps every message, each parsed as one JSON object. */
class WsClient {
  readonly messages: Msg[] = [];
  readonly raw: string[] = [];
  /** Resolves with the close status, whenever the socket closes. */
  readonly closed: Promise<number>;
  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', (code: number) => resolve(code)));
    ws.on('message', (data) => {
      this.raw.push(String(data));
      this.messages.push(JSON.parse(String(data)) as Msg);
    });
  }
  static async open(t: TestContext, server: ChatServer, headers: Record<string, string> = {}) {
    const ws = new WebSocket(`${base(server).replace('http', 'ws')}/ws`, { headers });
    t.after(() => ws.terminate());
    await once(ws, 'open');
    return new WsClient(ws);
  }
  send(request: object): void {
    this.ws.send(JSON.stringify(request));
  }
  async next(n: number): Promise<Msg> {
    await eventually(() => this.messages.length > n, `message ${n}`);
    return this.messages[n]!;
  }
}

describe('the web edge: /ws, /healthz, /metrics', () => {
  it('a WebSocket member and a TCP member chat as equals, one JSON object per message', async (t) => {
    const server = await startServer(t, { http: true });
    const tcp = await join(t, server, 'tcp');
    const web = await WsClient.open(t, server);
    web.send({ cmd: '0', nickname: 'web' });
    assert.equal((await web.next(0)).cmd, '03');
    assert.deepEqual(await tcp.next(), { cmd: '8', nickname: 'web', userCount: 2 });
    web.send({ cmd: '7', msg: '안녕 from the web' });
    assert.deepEqual(await tcp.next(), { cmd: '70', from: 'web', msg: '안녕 from the web' });
    tcp.send({ cmd: '7', msg: 'hello\nweb' });
    assert.deepEqual(await web.next(1), { cmd: '70', from: 'tcp', msg: 'hello\nweb' });
    assert.ok(
      web.raw.every((m) => !m.endsWith('\n')),
      'no newline framing on a WebSocket',
    );
    web.send({ cmd: '1' });
    const users = (await web.next(2)).users as unknown[][];
    assert.deepEqual(
      users.map((u) => u[0]),
      ['tcp', 'web'],
    );
  });

  it('a message over the frame limit gets FRAME_TOO_LARGE and a close, as on TCP', async (t) => {
    const server = await startServer(t, { http: true, maxFrameBytes: 1024 });
    const web = await WsClient.open(t, server);
    web.ws.send(JSON.stringify({ cmd: '0', nickname: 'x'.repeat(2000) }));
    assert.equal((await web.next(0)).cmd, '902');
    assert.equal(await web.closed, 1000);
  });

  it('a WebSocket client that does not read is cut off as a slow consumer', async (t) => {
    const server = await startServer(t, {
      http: true,
      maxQueueBytes: 64 * 1024,
      drainTimeoutMs: 500,
    });
    const talker = await join(t, server, 'talker');
    const deaf = await WsClient.open(t, server);
    deaf.send({ cmd: '0', nickname: 'deaf' });
    await deaf.next(0);
    await talker.expect('8');
    deaf.ws.pause();
    const text = 'x'.repeat(4000);
    let left = false;
    for (let i = 0; i < 2000 && !left; i++) {
      talker.send({ cmd: '7', msg: text });
      if (i % 50 === 49) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        left = talker.messages.some((m) => m.cmd === '30');
      }
    }
    assert.deepEqual(await talker.expect('30'), { cmd: '30', nickname: 'deaf', userCount: 1 });
  });

  it('refuses a WebSocket from another site’s page; takes its own and non-browsers', async (t) => {
    const server = await startServer(t, { http: true, allowedOrigins: ['https://chat.example/'] });
    const host = `127.0.0.1:${server.webAddress!.port}`;
    const url = `ws://${host}/ws`;
    const evil = new WebSocket(url, { headers: { Origin: 'https://evil.example' } });
    const [err] = (await once(evil, 'error')) as [Error];
    assert.match(err.message, /403/);
    for (const [i, origin] of [`http://${host}`, 'https://chat.example'].entries()) {
      const ok = await WsClient.open(t, server, { Origin: origin });
      ok.send({ cmd: '0', nickname: `ok${i}` });
      assert.equal((await ok.next(0)).cmd, '03');
    }
  });

  it('/healthz says serving, with security headers; /metrics counts by transport', async (t) => {
    const server = await startServer(t, { http: true });
    const health = await fetch(`${base(server)}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'serving' });
    assert.match(health.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(health.headers.get('x-content-type-options'), 'nosniff');
    await join(t, server, 'tcp');
    const web = await WsClient.open(t, server);
    web.send({ cmd: '0', nickname: 'web', room: 'dev' });
    await web.next(0);
    web.send({ cmd: 'nope' });
    assert.equal((await web.next(1)).cmd, '905');
    const text = await (await fetch(`${base(server)}/metrics`)).text();
    assert.match(text, /^natter_requests_total\{command="CONNECT"\} 2$/m);
    assert.match(text, /^natter_requests_total\{command="unknown"\} 1$/m);
    assert.match(text, /^natter_errors_total\{error="UNKNOWN_COMMAND"\} 1$/m);
    assert.match(text, /^natter_connections\{transport="tcp"\} 1$/m);
    assert.match(text, /^natter_connections\{transport="websocket"\} 1$/m);
    assert.match(text, /^natter_members 2$/m);
    assert.match(text, /^natter_rooms 2$/m);
    assert.match(text, /^natter_serving 1$/m);
    assert.match(text, /^nodejs_eventloop_lag_seconds /m);
    assert.equal((await fetch(`${base(server)}/nothing`)).status, 404);
  });

  it('/healthz answers 503 while the server shuts down', async (t) => {
    const server = await startServer(t, { http: true, shutdownGraceMs: 2000 });
    const member = await join(t, server, 'slow');
    member.socket.pause(); // holds the shutdown in its grace period
    const url = `${base(server)}/healthz`;
    const closing = server.close();
    const during = await fetch(url);
    assert.equal(during.status, 503);
    assert.deepEqual(await during.json(), { status: 'shutting down' });
    member.socket.resume();
    await closing;
  });

  it('the client library connects by a ws:// URL, and talks with a TCP client', async (t) => {
    const server = await startServer(t, { http: true });
    const url = `${base(server).replace('http', 'ws')}/ws`;
    const web = await connect({ url, nickname: 'webby' });
    t.after(() => web.destroy());
    assert.equal(web.extended, true);
    assert.deepEqual(web.limits, { maxFrameBytes: 65_536, maxMessageLength: 5_000 });
    const tcp = await connect({ host: '127.0.0.1', port: server.port, nickname: 'tcp' });
    t.after(() => tcp.destroy());
    const heard = new Promise<ChatEvent>((resolve) => web.once('chat', resolve));
    // Numbered and timed: the server keeps history (section 12).
    const sent = await tcp.chat('to the web');
    assert.deepEqual(await heard, { type: 'chat', from: 'tcp', msg: 'to the web', ...sent });
    const back = new Promise<ChatEvent>((resolve) => tcp.once('chat', resolve));
    const reply = await web.chat('to tcp');
    assert.deepEqual(await back, { type: 'chat', from: 'webby', msg: 'to tcp', ...reply });
    assert.equal(reply?.seq, 2);
    await web.exit();
    assert.equal(await web.closed(), undefined);
  });

  it('survives odd requests: a path that is no URL, an upgrade it refuses and a reset', async (t) => {
    const server = await startServer(t, { http: true });
    const { port } = server.webAddress!;
    const raw = (text: string, reset = false) =>
      new Promise<string>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
        let got = '';
        socket.on('data', (d: Buffer) => {
          got += d.toString();
          if (reset) socket.resetAndDestroy();
        });
        socket.on('close', () => resolve(got));
        socket.on('error', () => resolve(got));
        setTimeout(() => socket.destroy(), 2000).unref();
      });
    assert.match(
      await raw('GET // HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      /^HTTP\/1\.1 404/,
    );
    const upgrade =
      'GET /elsewhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
    assert.match(await raw(upgrade, true), /^HTTP\/1\.1 404/);
    assert.match(await raw(upgrade), /^HTTP\/1\.1 404/);
    const health = await fetch(`${base(server)}/healthz`);
    assert.equal(health.status, 200, 'still serving');
  });

  it('invalid UTF-8 in a WebSocket message gets 901 and the socket stays open, as on TCP', async (t) => {
    const server = await startServer(t, { http: true });
    const web = await WsClient.open(t, server);
    web.ws.send(Buffer.from([0x7b, 0x22, 0x63, 0x6d, 0x64, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), {
      binary: false,
    });
    assert.equal((await web.next(0)).cmd, '901');
    web.send({ cmd: '0', nickname: 'fine' });
    assert.equal((await web.next(1)).cmd, '03');
  });

  it('refuses a page whose name was pointed at this machine (DNS rebinding)', async (t) => {
    const server = await startServer(t, { http: true });
    const { port } = server.webAddress!;
    const rebound = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
      headers: { Host: `evil.example:${port}`, Origin: `http://evil.example:${port}` },
    });
    const [err] = (await once(rebound, 'error')) as [Error];
    assert.match(err.message, /403/);
  });
});
