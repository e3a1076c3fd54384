import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import {
  ProxyHeaderError,
  V1_MAX_BYTES,
  parseProxyHeader,
  readProxyHeader,
} from '../../src/transport/proxy-protocol.js';
import { systemClock } from '../../src/server/clock.js';
import type { Endpoints } from '../../src/server/session.js';
import { FakeClock } from '../fake-clock.js';
import { WAIT_MS } from '../helpers.js';

const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/** A v2 header: command (0 LOCAL, 1 PROXY), family and transport byte, then `body`. */
function v2(command: number, familyTransport: number, body: number[]): Buffer {
  const length = [body.length >> 8, body.length & 0xff];
  return Buffer.from([...SIGNATURE, 0x20 | command, familyTransport, ...length, ...body]);
}

const port = (n: number) => [n >> 8, n & 0xff];
const v4Body = [192, 0, 2, 1, 198, 51, 100, 2, ...port(56324), ...port(443)];
const v6Body = [
  ...[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01],
  ...[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02],
  ...port(1),
  ...port(65535),
];

const text = (s: string) => Buffer.from(s, 'latin1');

describe('parseProxyHeader: PROXY protocol v1', () => {
  it('TCP4 and TCP6 name the client and the address it reached; the length is the line’s', () => {
    const line = 'PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n';
    assert.deepEqual(parseProxyHeader(text(line + '{"cmd":"0"}\n')), {
      kind: 'proxied',
      version: 1,
      source: { address: '192.0.2.1', port: 56324 },
      destination: { address: '198.51.100.2', port: 443 },
      length: line.length,
    });
    const six = parseProxyHeader(text('PROXY TCP6 2001:0db8::0001 2001:db8::2 0 65535\r\n'));
    assert.equal(six.kind, 'proxied');
    if (six.kind !== 'proxied') return;
    assert.deepEqual(six.source, { address: '2001:db8::1', port: 0 }, 'in its usual text');
    assert.deepEqual(six.destination, { address: '2001:db8::2', port: 65535 });
    const mapped = parseProxyHeader(text('PROXY TCP6 ::ffff:192.0.2.9 ::1 1 2\r\n'));
    assert.equal(mapped.kind === 'proxied' && mapped.source.address, '192.0.2.9', 'IPv4-mapped');
  });

  it('UNKNOWN keeps the socket’s own addresses, whatever follows it on its line', () => {
    assert.deepEqual(parseProxyHeader(text('PROXY UNKNOWN\r\nrest')), {
      kind: 'local',
      version: 1,
      length: 15,
    });
    const long = 'PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n';
    assert.deepEqual(parseProxyHeader(text(long)), {
      kind: 'local',
      version: 1,
      length: long.length,
    });
  });

  it('takes a line of 107 bytes and no more', () => {
    const pad = (n: number) => 'PROXY UNKNOWN ' + 'x'.repeat(n - 16) + '\r\n';
    assert.equal(pad(V1_MAX_BYTES).length, 107);
    assert.equal(parseProxyHeader(text(pad(107))).kind, 'local');
    assert.equal(parseProxyHeader(text(pad(108))).kind, 'invalid');
    assert.equal(parseProxyHeader(text(pad(108).slice(0, 107))).kind, 'invalid', 'no CRLF yet');
    assert.equal(parseProxyHeader(text(pad(108).slice(0, 106))).kind, 'incomplete');
  });

  it('refuses malformed lines', () => {
    for (const line of [
      'PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\n', // LF alone
      'PROXY TCP4 192.0.2.1 198.51.100.2 56324 443 \r\n', // a seventh field
      'PROXY TCP4  192.0.2.1 198.51.100.2 56324 443\r\n', // two spaces
      'PROXY TCP4 192.0.2.1 198.51.100.2 56324\r\n',
      'PROXY TCP4 2001:db8::1 198.51.100.2 1 2\r\n', // an IPv6 address in TCP4
      'PROXY TCP6 192.0.2.1 2001:db8::2 1 2\r\n',
      'PROXY TCP6 fe80::1%eth0 2001:db8::2 1 2\r\n', // a zone
      'PROXY TCP4 192.0.2.1 198.51.100.2 65536 443\r\n',
      'PROXY TCP4 192.0.2.1 198.51.100.2 0443 443\r\n', // a leading zero
      'PROXY TCP4 192.0.2.1 198.51.100.2 -1 443\r\n',
      'PROXY TCP4 192.0.2.01 198.51.100.2 1 443\r\n',
      'PROXY UDP4 192.0.2.1 198.51.100.2 1 443\r\n',
      'PROXY tcp4 192.0.2.1 198.51.100.2 1 443\r\n',
      'PROXY TCP4 192.0.2.1 198.51.100.2 1 4\x003\r\n',
      'PROXY \r\n',
    ]) {
      assert.equal(parseProxyHeader(text(line)).kind, 'invalid', JSON.stringify(line));
    }
  });
});

describe('parseProxyHeader: PROXY protocol v2', () => {
  it('IPv4 and IPv6 over TCP name the client and the address it reached', () => {
    assert.deepEqual(parseProxyHeader(Buffer.concat([v2(1, 0x11, v4Body), text('{}')])), {
      kind: 'proxied',
      version: 2,
      source: { address: '192.0.2.1', port: 56324 },
      destination: { address: '198.51.100.2', port: 443 },
      length: 28,
    });
    assert.deepEqual(parseProxyHeader(v2(1, 0x21, v6Body)), {
      kind: 'proxied',
      version: 2,
      source: { address: '2001:db8::1', port: 1 },
      destination: { address: '2001:db8::2', port: 65535 },
      length: 52,
    });
    const mapped = [...Array(10).fill(0), 0xff, 0xff, 192, 0, 2, 7];
    const header = parseProxyHeader(v2(1, 0x21, [...mapped, ...mapped, ...port(5), ...port(6)]));
    assert.equal(header.kind === 'proxied' && header.source.address, '192.0.2.7', 'IPv4-mapped');
  });

  it('skips TLVs after the addresses, whatever they hold', () => {
    const tlvs = [0x01, 0x00, 0x02, 0x68, 0x32, 0x04, 0x00, 0x00, 0xee, 0x00, 0x01, 0x00];
    const header = parseProxyHeader(Buffer.concat([v2(1, 0x11, [...v4Body, ...tlvs]), text('{')]));
    assert.equal(header.kind, 'proxied');
    assert.equal(header.kind === 'proxied' && header.length, 16 + 12 + tlvs.length);
  });

  it('LOCAL, UNSPEC and UNIX keep the socket’s own addresses', () => {
    assert.deepEqual(parseProxyHeader(v2(0, 0x00, [])), { kind: 'local', version: 2, length: 16 });
    assert.deepEqual(parseProxyHeader(v2(0, 0x11, v4Body)), {
      kind: 'local',
      version: 2,
      length: 28,
    });
    assert.equal(parseProxyHeader(v2(1, 0x00, [1, 2, 3])).kind, 'local');
    assert.equal(parseProxyHeader(v2(1, 0x31, Array(216).fill(0))).kind, 'local');
  });

  it('refuses another version, an unknown command or family, datagrams, a short block', () => {
    const bad = (bytes: Buffer, why: string) =>
      assert.equal(parseProxyHeader(bytes).kind, 'invalid', why);
    const header = v2(1, 0x11, v4Body);
    bad(Buffer.from([...header.subarray(0, 12), 0x11, ...header.subarray(13)]), 'version 1');
    bad(Buffer.from([...header.subarray(0, 12), 0x22, ...header.subarray(13)]), 'command 2');
    bad(v2(1, 0x41, v4Body), 'family 4');
    bad(v2(1, 0x13, v4Body), 'transport 3');
    bad(v2(1, 0x12, v4Body), 'UDP');
    bad(v2(1, 0x11, v4Body.slice(0, 11)), 'too short for IPv4');
    bad(v2(1, 0x21, v4Body), 'too short for IPv6');
  });

  it('is incomplete at every prefix of a header, and invalid at once on other bytes', () => {
    for (const header of [v2(1, 0x11, v4Body), v2(1, 0x21, v6Body), text('PROXY UNKNOWN\r\n')]) {
      for (let n = 0; n < header.length; n++) {
        assert.equal(parseProxyHeader(header.subarray(0, n)).kind, 'incomplete', `${n} bytes`);
      }
    }
    for (const start of [
      '{"cmd":"0"}\n',
      'GET / HTTP/1.1\r\n',
      'PROXZ',
      '\r\n\r\n\0X',
      '\x16\x03',
    ]) {
      assert.equal(parseProxyHeader(text(start)).kind, 'invalid', JSON.stringify(start));
    }
  });
});

const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();
const portNumber = fc.integer({ min: 0, max: 65535 });

describe('parseProxyHeader properties', () => {
  it('any v1 TCP4 or TCP6 header round-trips, and no prefix of it is a header', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(fc.constant('TCP4'), ipv4, ipv4),
          fc.tuple(fc.constant('TCP6'), ipv6, ipv6),
        ),
        portNumber,
        portNumber,
        ([protocol, from, to], sourcePort, destinationPort) => {
          const line = `PROXY ${protocol} ${from} ${to} ${sourcePort} ${destinationPort}\r\n`;
          const bytes = text(line);
          const header = parseProxyHeader(Buffer.concat([bytes, text('{"cmd":"0"}\n')]));
          assert.equal(header.kind, 'proxied');
          if (header.kind !== 'proxied') return;
          assert.equal(header.length, bytes.length);
          assert.ok(bytes.length <= V1_MAX_BYTES);
          assert.equal(header.source.port, sourcePort);
          assert.equal(header.destination.port, destinationPort);
          assert.equal(net.isIP(header.source.address) !== 0, true);
          for (let n = 0; n < bytes.length; n++) {
            assert.equal(parseProxyHeader(bytes.subarray(0, n)).kind, 'incomplete');
          }
        },
      ),
    );
  });

  it('any v2 header with any TLVs round-trips its ports and its length', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        portNumber,
        portNumber,
        fc.uint8Array({ maxLength: 300 }),
        (six, addressBytes, sourcePort, destinationPort, tlvs) => {
          const size = six ? 16 : 4;
          const body = [
            ...addressBytes.subarray(0, 2 * size),
            ...port(sourcePort),
            ...port(destinationPort),
            ...tlvs,
          ];
          const header = parseProxyHeader(v2(1, six ? 0x21 : 0x11, body));
          assert.equal(header.kind, 'proxied');
          if (header.kind !== 'proxied') return;
          assert.equal(header.length, 16 + body.length);
          assert.equal(header.source.port, sourcePort);
          assert.equal(header.destination.port, destinationPort);
          assert.ok(net.isIP(header.source.address) !== 0);
        },
      ),
    );
  });

  it('never throws on any bytes, and never reads past 107 bytes of a v1 line', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, v1) => {
        const data = v1 ? Buffer.concat([text('PROXY '), bytes]) : Buffer.from(bytes);
        const result = parseProxyHeader(data);
        if (v1 && result.kind !== 'invalid' && result.kind !== 'incomplete') {
          assert.ok(result.length <= V1_MAX_BYTES);
        }
        if (v1 && data.length >= V1_MAX_BYTES) assert.notEqual(result.kind, 'incomplete');
      }),
    );
  });
});

/** A connection's readProxyHeader, and whether it has settled. */
interface Accepted {
  settled: boolean;
  readonly result: Promise<{ endpoints: Endpoints; socket: net.Socket }>;
}

/** A server whose every connection goes through readProxyHeader; what each one resolved. */
async function headerServer(t: TestContext, clock = systemClock) {
  const results: Accepted[] = [];
  const server = net.createServer((socket) => {
    const entry: Accepted = {
      settled: false,
      result: readProxyHeader(socket, { timeoutMs: 5000, clock }).then((endpoints) => ({
        endpoints,
        socket,
      })),
    };
    entry.result.then(
      () => (entry.settled = true),
      () => (entry.settled = true),
    );
    results.push(entry);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const { port } = server.address() as net.AddressInfo;
  const connect = async () => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    t.after(() => socket.destroy());
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    return socket;
  };
  /** The n-th connection the server took, once it has. */
  const arrived = async (n: number): Promise<Accepted> => {
    const deadline = Date.now() + WAIT_MS;
    while (results.length <= n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    return results[n]!;
  };
  const accepted = async (n: number) => (await arrived(n)).result;
  return { connect, arrived, accepted };
}

/** Resolves when the socket has closed, reset or not. */
function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.closed) resolve();
    else socket.once('close', () => resolve());
  });
}

/** Reads from `socket` until `bytes` bytes have come. */
async function readBytes(socket: net.Socket, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    got += chunk.length;
  });
  const deadline = Date.now() + WAIT_MS;
  while (got < bytes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  return Buffer.concat(chunks);
}

describe('readProxyHeader: a header read off a socket', () => {
  it('resolves the claimed endpoints and leaves what follows for the next reader', async (t) => {
    const { connect, accepted } = await headerServer(t);
    const payload = Buffer.from('{"cmd":"0","nickname":"alice"}\n'.repeat(100));
    const header = v2(1, 0x11, v4Body);
    // Cut everywhere: one byte at a time, then the rest with the payload.
    const client = await connect();
    for (let i = 0; i < 20; i++) {
      client.write(header.subarray(i, i + 1));
      await new Promise((r) => setImmediate(r));
    }
    client.write(Buffer.concat([header.subarray(20), payload]));
    const { endpoints, socket } = await accepted(0);
    assert.deepEqual(endpoints, {
      remoteAddress: '192.0.2.1',
      remotePort: 56324,
      localAddress: '198.51.100.2',
      localPort: 443,
    });
    assert.deepEqual(await readBytes(socket, payload.length), payload);
  });

  it('keeps the socket’s own endpoints for UNKNOWN, and a TLS wrap reads what follows', async (t) => {
    const { connect, accepted } = await headerServer(t);
    const raw = await connect();
    raw.write('PROXY UNKNOWN\r\n');
    // The TLS client hello follows the header, likely in the same segment.
    const secure = tls.connect({ socket: raw, rejectUnauthorized: false });
    secure.on('error', () => undefined);
    const { endpoints, socket } = await accepted(0);
    assert.equal(endpoints.remoteAddress, '127.0.0.1');
    assert.equal(endpoints.remotePort, raw.localPort);
    const cert = readFileSync(new URL('../../../test/fixtures/tls-cert.pem', import.meta.url));
    const key = readFileSync(new URL('../../../test/fixtures/tls-key.pem', import.meta.url));
    const server = new tls.TLSSocket(socket, { isServer: true, cert, key });
    server.on('error', () => undefined);
    server.write('over TLS\n');
    assert.equal((await readBytes(secure, 9)).toString(), 'over TLS\n');
  });

  it('closes a connection whose header is malformed, or that ends before it', async (t) => {
    const { connect, accepted } = await headerServer(t);
    const garbage = await connect();
    garbage.write('{"cmd":"0","nickname":"no header"}\n');
    await assert.rejects(accepted(0), ProxyHeaderError);
    await closed(garbage);
    const short = await connect();
    short.end('PROXY TCP4 192.0.2.1');
    await assert.rejects(accepted(1), /closed before its PROXY header/);
    const long = await connect();
    long.write('PROXY UNKNOWN ' + 'x'.repeat(200));
    await assert.rejects(accepted(2), /longer than 107 bytes/);
  });

  it('closes a connection that sends no header in time', async (t) => {
    const clock = new FakeClock();
    const { connect, arrived } = await headerServer(t, clock);
    const slow = await connect();
    slow.write('PROXY TCP4 ');
    const entry = await arrived(0);
    clock.advance(4999);
    await new Promise((r) => setImmediate(r));
    assert.equal(entry.settled, false, 'still within its time');
    clock.advance(1);
    await assert.rejects(entry.result, /no PROXY header within 5000 ms/);
    await closed(slow);
  });
});
