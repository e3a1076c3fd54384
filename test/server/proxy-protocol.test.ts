import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { ChatServer } from '../../src/chat-server.js';
import { RawClient, startServer } from '../helpers.js';

/** A v2 PROXY header for a TCP client at `source` (IPv6) reaching 2001:db8::1 port 20825. */
function v2From(source: number[], port: number): Buffer {
  const destination = [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1];
  const body = [...source, ...destination, port >> 8, port & 0xff, 0x51, 0x59];
  const signature = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
  return Buffer.from([...signature, 0x21, 0x21, 0, body.length, ...body]);
}

/** Connects through a pretend balancer: `header` first, then a CONNECT, in one write. */
async function through(
  t: TestContext,
  server: ChatServer,
  header: string | Buffer,
  nickname: string,
): Promise<RawClient> {
  const client = await RawClient.open(t, server);
  const connect = JSON.stringify({ cmd: '0', nickname }) + '\n';
  client.send(Buffer.concat([Buffer.from(header), Buffer.from(connect)]));
  return client;
}

describe('the PROXY protocol on the chat port (rule 3.14)', () => {
  it('a client is whom the header names: in USERS, its 03 and the per-address limits', async (t) => {
    const server = await startServer(t, {
      proxyProtocol: true,
      exemptAddresses: [],
      maxConnectionsPerIp: 1,
    });
    const alice = await through(
      t,
      server,
      'PROXY TCP4 192.0.2.10 198.51.100.1 40001 443\r\n',
      'alice',
    );
    assert.deepEqual((await alice.expect('03')).serverAddress, ['198.51.100.1', 443]);
    const bobAddress = [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 7];
    const bob = await through(t, server, v2From(bobAddress, 40002), 'bob');
    assert.deepEqual((await bob.expect('03')).serverAddress, ['2001:db8::1', 20825]);
    await alice.expect('8');
    alice.send({ cmd: '1' });
    assert.deepEqual((await alice.expect('10')).users, [
      ['alice', '192.0.2.10', 40001],
      ['bob', '2001:db8::7', 40002],
    ]);

    // Every socket comes from 127.0.0.1: only the claimed address counts.
    const again = await through(t, server, 'PROXY TCP4 192.0.2.10 198.51.100.1 40003 443\r\n', 'x');
    assert.equal((await again.expect('921')).error, 'TOO_MANY_CONNECTIONS_FROM_IP');
    const other = await through(t, server, 'PROXY TCP4 192.0.2.11 198.51.100.1 40004 443\r\n', 'y');
    await other.expect('03');
    const local = await through(t, server, 'PROXY UNKNOWN\r\n', 'z');
    await local.expect('03');
    local.send({ cmd: '1' });
    const users = (await local.expect('10')).users as unknown[][];
    assert.deepEqual(users.at(-1), ['z', '127.0.0.1', local.socket.localPort], 'its own address');
  });

  it('a connection without a header, or with a broken one, is closed unanswered', async (t) => {
    const server = await startServer(t, { proxyProtocol: true });
    const direct = await RawClient.open(t, server);
    direct.send({ cmd: '0', nickname: 'sneaky' });
    await direct.waitClosed();
    assert.equal(direct.raw, '');
    const broken = await through(t, server, 'PROXY TCP4 192.0.2.1 nowhere 1 2\r\n', 'broken');
    await broken.waitClosed();
    assert.equal(broken.raw, '');
    const fine = await through(t, server, 'PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n', 'fine');
    await fine.expect('03');
  });

  it('only a trusted proxy may send a header: anyone else is closed, whatever it claims', async (t) => {
    // The balancer is elsewhere; this client (127.0.0.1) tries to pass for the loopback.
    const server = await startServer(t, { proxyProtocol: true, trustProxy: ['192.0.2.0/24'] });
    const liar = await through(t, server, 'PROXY TCP4 127.0.0.1 127.0.0.1 1 2\r\n', 'liar');
    await liar.waitClosed();
    assert.equal(liar.raw, '');
    assert.equal(server.connectionCount, 0);
    // Without --trust-proxy, only this machine is trusted.
    const local = await startServer(t, { proxyProtocol: true });
    const balancer = await through(t, local, 'PROXY TCP4 192.0.2.9 192.0.2.2 1 2\r\n', 'ok');
    await balancer.expect('03');
  });

  it('IPv6 clients count per /64 for the per-address limits, or per address at 128', async (t) => {
    for (const [ipv6Prefix, sameSubnet] of [
      [64, '921'],
      [128, '03'],
    ] as const) {
      const server = await startServer(t, {
        proxyProtocol: true,
        exemptAddresses: [],
        maxConnectionsPerIp: 1,
        ipv6Prefix,
      });
      const first = await through(t, server, 'PROXY TCP6 2001:db8:0:7::1 2001:db8::1 1 2\r\n', 'a');
      await first.expect('03');
      const neighbour = await through(
        t,
        server,
        'PROXY TCP6 2001:db8:0:7:ffff::2 2001:db8::1 3 2\r\n',
        'b',
      );
      assert.equal((await neighbour.next()).cmd, sameSubnet, `/${ipv6Prefix}`);
      const mapped = await through(
        t,
        server,
        'PROXY TCP6 ::ffff:192.0.2.8 2001:db8::1 4 2\r\n',
        'c',
      );
      await mapped.expect('03');
      const same = await through(t, server, 'PROXY TCP4 192.0.2.8 192.0.2.1 5 2\r\n', 'd');
      assert.equal(
        (await same.expect('921')).error,
        'TOO_MANY_CONNECTIONS_FROM_IP',
        'IPv4-mapped is IPv4',
      );
    }
  });
});
