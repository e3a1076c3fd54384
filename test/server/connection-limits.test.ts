import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import type { ChatServer } from '../../src/index.js';
import { FakeClock } from '../fake-clock.js';
import { RawClient, eventually, startServer } from '../helpers.js';

/** Opens a raw connection from a given loopback source address. */
async function openFrom(
  t: TestContext,
  server: ChatServer,
  localAddress: string,
): Promise<RawClient> {
  const socket = net.connect({ host: '127.0.0.1', port: server.port, localAddress });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  t.after(() => socket.destroy());
  return new RawClient(socket);
}

describe('connection limits (rules 3.10, 3.11)', () => {
  it('over maxConnections, a new connection gets 920 at once and is closed', async (t) => {
    const server = await startServer(t, { maxConnections: 3 });
    const open = await Promise.all([1, 2, 3].map(() => RawClient.open(t, server)));
    await eventually(() => server.connectionCount === 3, 'three connections');
    const extra = await RawClient.open(t, server);
    const refusal = await extra.expect('920');
    assert.equal(refusal.error, 'TOO_MANY_CONNECTIONS');
    assert.equal(refusal.fatal, true);
    await extra.waitClosed();
    // A place frees up: the next connection is admitted.
    open[0]!.close();
    await eventually(() => server.connectionCount === 2, 'a place to free up');
    const next = await RawClient.open(t, server);
    next.send({ cmd: '0', nickname: 'late' });
    await next.expect('03');
  });

  it('a refused client’s input is dropped, and it is closed as soon as it closes its side', async (t) => {
    // A clock that never moves: only the client's own close can end the refused connection.
    const server = await startServer(t, { maxConnections: 1, clock: new FakeClock() });
    await RawClient.open(t, server);
    await eventually(() => server.connectionCount === 1, 'one connection');
    const extra = await RawClient.open(t, server);
    extra.send('{"cmd":"4"}'.repeat(20_000));
    assert.equal((await extra.expect('920')).error, 'TOO_MANY_CONNECTIONS');
    extra.socket.end();
    await extra.waitClosed();
  });

  it('over maxConnectionsPerIp, a new connection from that address gets 921; others are served', async (t) => {
    const server = await startServer(t, { exemptAddresses: [], maxConnectionsPerIp: 2 });
    await openFrom(t, server, '127.0.0.2');
    const second = await openFrom(t, server, '127.0.0.2');
    const third = await openFrom(t, server, '127.0.0.2');
    assert.equal((await third.expect('921')).error, 'TOO_MANY_CONNECTIONS_FROM_IP');
    await third.waitClosed();
    const other = await openFrom(t, server, '127.0.0.3');
    other.send({ cmd: '0', nickname: 'other' });
    await other.expect('03');
    second.close();
    await eventually(() => server.connectionCount === 2, 'the second to close');
    const again = await openFrom(t, server, '127.0.0.2');
    again.send({ cmd: '0', nickname: 'again' });
    await again.expect('03');
  });

  it('gives an address its place back when a session ends, even if the peer keeps the socket', async (t) => {
    const server = await startServer(t, { exemptAddresses: [], maxConnectionsPerIp: 1 });
    const first = await openFrom(t, server, '127.0.0.8');
    first.send({ cmd: '99' }); // not yet joined: a fatal error will end the session
    first.send('{"cmd":"7","msg":"' + 'x'.repeat(70_000)); // 902, and the server closes its side
    assert.equal((await first.expect('905')).error, 'UNKNOWN_COMMAND');
    assert.equal((await first.expect('902')).fatal, true);
    // The client never closes its side, but the address is free at once.
    const second = await openFrom(t, server, '127.0.0.8');
    second.send({ cmd: '0', nickname: 'second' });
    await second.expect('03');
  });

  it('limits the rate of new connections per address with 922 and retryAfterMs', async (t) => {
    const server = await startServer(t, {
      exemptAddresses: [],
      ipConnectBurst: 3,
      ipConnectRate: 0.001,
    });
    for (let i = 0; i < 3; i++) (await openFrom(t, server, '127.0.0.4')).close();
    const refused = await openFrom(t, server, '127.0.0.4');
    const refusal = await refused.expect('922');
    assert.equal(refusal.error, 'CONNECTION_RATE_LIMITED');
    assert.ok(Number(refusal.retryAfterMs) > 0);
    const elsewhere = await openFrom(t, server, '127.0.0.5');
    elsewhere.send({ cmd: '0', nickname: 'fine' });
    await elsewhere.expect('03');
  });

  it('exempts the configured addresses and blocks from both limits', async (t) => {
    const server = await startServer(t, {
      exemptAddresses: ['127.0.0.6', '127.0.1.0/24'],
      maxConnectionsPerIp: 1,
      ipConnectBurst: 1,
      ipConnectRate: 0.001,
    });
    for (const address of ['127.0.0.6', '127.0.1.9']) {
      const clients = [];
      for (let i = 0; i < 5; i++) clients.push(await openFrom(t, server, address));
      clients.forEach((c, i) =>
        c.send({ cmd: '0', nickname: `${address}-${i}`.replace(/\./g, '_') }),
      );
      for (const c of clients) await c.expect('03');
    }
    await openFrom(t, server, '127.0.0.7');
    const limited = await openFrom(t, server, '127.0.0.7');
    assert.equal((await limited.next()).cmd, '921');
  });

  it('rejects a bad exempt entry at start-up', async (t) => {
    await assert.rejects(startServer(t, { exemptAddresses: ['not-an-ip'] }), /exemptAddresses/);
    await assert.rejects(startServer(t, { exemptAddresses: ['10.0.0.0/33'] }), /prefix/);
  });
});
