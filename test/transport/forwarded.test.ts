import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import type { ChatServer } from '../../src/chat-server.js';
import { ForwardedFor } from '../../src/transport/forwarded.js';
import { join, startServer, type Msg } from '../helpers.js';

describe('ForwardedFor: the client behind trusted proxies', () => {
  const proxies = new ForwardedFor(['10.0.0.0/8', '2001:db8:ffff::/48', '192.0.2.1']);

  it('believes the header only from a trusted peer', () => {
    assert.equal(proxies.client('203.0.113.9', '198.51.100.7'), '203.0.113.9');
    assert.equal(proxies.client('10.1.2.3', '198.51.100.7'), '198.51.100.7');
    assert.equal(proxies.client('10.1.2.3', undefined), '10.1.2.3', 'no header: the peer');
    const nobody = new ForwardedFor([]);
    assert.equal(nobody.client('10.1.2.3', '198.51.100.7'), '10.1.2.3', 'nobody is trusted');
  });

  it('takes the rightmost hop that is no trusted proxy: what is left of it may be forged', () => {
    const chain = '6.6.6.6, 198.51.100.7, 10.0.0.2, 192.0.2.1';
    assert.equal(proxies.client('10.0.0.1', chain), '198.51.100.7');
    assert.equal(proxies.client('10.0.0.1', ['6.6.6.6', '198.51.100.7, 10.0.0.2']), '198.51.100.7');
    assert.equal(proxies.client('10.0.0.1', '10.0.0.3, 10.0.0.2'), '10.0.0.3', 'all trusted');
  });

  it('reads hops with ports and brackets, IPv6 in its usual text, IPv4-mapped as IPv4', () => {
    assert.equal(proxies.client('10.0.0.1', '198.51.100.7:4711'), '198.51.100.7');
    assert.equal(proxies.client('10.0.0.1', '[2001:0db8::0007]:4711'), '2001:db8::7');
    assert.equal(proxies.client('10.0.0.1', ' 2001:DB8::7 '), '2001:db8::7');
    assert.equal(proxies.client('10.0.0.1', '::ffff:198.51.100.7'), '198.51.100.7');
    assert.equal(proxies.client('2001:db8:ffff::1', '198.51.100.7'), '198.51.100.7');
  });

  it('stops at a hop that is no address: the last trusted proxy is the client then', () => {
    assert.equal(proxies.client('10.0.0.1', '198.51.100.7, unknown'), '10.0.0.1');
    assert.equal(proxies.client('10.0.0.1', '198.51.100.7, garbage, 10.0.0.2'), '10.0.0.2');
    assert.equal(proxies.client('10.0.0.1', ''), '10.0.0.1');
    assert.equal(proxies.client('10.0.0.1', 'fe80::1%eth0'), '10.0.0.1');
  });
});

/** Joins over `/ws` with `headers`, then asks USERS; the rows. */
async function usersSeenOverWs(
  t: TestContext,
  server: ChatServer,
  nickname: string,
  headers: Record<string, string>,
): Promise<unknown[][]> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.webAddress!.port}/ws`, { headers });
  t.after(() => ws.terminate());
  const messages: Msg[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as Msg));
  await once(ws, 'open');
  ws.send(JSON.stringify({ cmd: '0', nickname }));
  ws.send(JSON.stringify({ cmd: '1' }));
  const deadline = Date.now() + 5000;
  while (!messages.some((m) => m.cmd === '10') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const users = messages.find((m) => m.cmd === '10');
  assert.ok(users, `USERS answered: ${JSON.stringify(messages)}`);
  return users.users as unknown[][];
}

describe('X-Forwarded-For on /ws (rule 3.14)', () => {
  it('from a trusted proxy, the client it names is the member’s address and counts for the limits', async (t) => {
    const server = await startServer(t, {
      http: true,
      trustProxy: ['127.0.0.1'],
      exemptAddresses: [],
      maxConnectionsPerIp: 1,
    });
    const forwarded = { 'X-Forwarded-For': '6.6.6.6, 198.51.100.7' };
    const users = await usersSeenOverWs(t, server, 'proxied', forwarded);
    assert.equal(users[0]?.[1], '198.51.100.7');
    // The same client again is over its limit; the proxy's own address is not.
    const again = new WebSocket(`ws://127.0.0.1:${server.webAddress!.port}/ws`, {
      headers: forwarded,
    });
    t.after(() => again.terminate());
    const [refusal] = (await once(again, 'message')) as [Buffer];
    assert.equal((JSON.parse(String(refusal)) as Msg).error, 'TOO_MANY_CONNECTIONS_FROM_IP');
    const tcp = await join(t, server, 'direct');
    tcp.send({ cmd: '1' });
    const rows = (await tcp.expect('10')).users as unknown[][];
    assert.deepEqual(
      rows.map((r) => r[1]),
      ['198.51.100.7', '127.0.0.1'],
    );
  });

  it('from anyone else, the header is ignored', async (t) => {
    const server = await startServer(t, { http: true, trustProxy: ['192.0.2.0/24'] });
    const users = await usersSeenOverWs(t, server, 'forger', { 'X-Forwarded-For': '198.51.100.7' });
    assert.equal(users[0]?.[1], '127.0.0.1');
  });
});
