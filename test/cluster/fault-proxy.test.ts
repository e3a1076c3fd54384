import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultProxy } from '../../bench/chaos/fault-proxy.js';

/** An echo server behind a proxy, and a client of the proxy collecting what comes back. */
async function echoBehindProxy(t: TestContext) {
  const echo = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const upstream = echo.address() as net.AddressInfo;
  const proxy = await FaultProxy.start({ host: '127.0.0.1', port: upstream.port });
  const client = net.connect(proxy.port, '127.0.0.1');
  await new Promise((resolve) => client.once('connect', resolve));
  let received = '';
  client.on('data', (d: Buffer) => (received += d.toString()));
  const ended = new Promise<string>((resolve) => {
    client.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    client.on('close', () => resolve('close'));
  });
  t.after(async () => {
    client.destroy();
    await proxy.close();
    await new Promise((resolve) => echo.close(resolve));
  });
  return { proxy, client, ended, received: () => received };
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

describe('chaos: the fault proxy', () => {
  it('passes bytes in order both ways', async (t) => {
    const { client, received } = await echoBehindProxy(t);
    for (let i = 0; i < 100; i++) client.write(`${i},`);
    const expected = Array.from({ length: 100 }, (_, i) => `${i},`).join('');
    await until(() => received() === expected);
  });

  it('delays each chunk, keeping the order', async (t) => {
    const { proxy, client, received } = await echoBehindProxy(t);
    proxy.delay(150);
    const start = Date.now();
    client.write('a');
    client.write('b');
    await until(() => received() === 'ab');
    // Held on the way there and on the way back.
    assert.ok(Date.now() - start >= 290, `took ${Date.now() - start} ms`);
  });

  it('holds everything in a blackhole and sends it on when it passes again', async (t) => {
    const { proxy, client, received } = await echoBehindProxy(t);
    proxy.blackhole();
    client.write('held');
    await sleep(200);
    assert.equal(received(), '', 'nothing got through the blackhole');
    assert.equal(proxy.connections, 1, 'the connection stays open');
    proxy.pass();
    await until(() => received() === 'held');
  });

  it('resets both sides of every connection, and accepts new ones', async (t) => {
    const { proxy, client, ended } = await echoBehindProxy(t);
    proxy.blackhole();
    client.write('dropped');
    await sleep(50);
    proxy.reset();
    assert.equal(await ended, 'ECONNRESET');
    assert.equal(proxy.connections, 0);
    proxy.pass();
    const again = net.connect(proxy.port, '127.0.0.1');
    again.on('error', () => undefined); // the proxy's close at the end resets it
    t.after(() => again.destroy());
    let echoed = '';
    again.on('data', (d: Buffer) => (echoed += d.toString()));
    again.write('fresh');
    await until(() => echoed === 'fresh');
  });
});
