import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatServer } from '../../src/chat-server.js';
import { RawClient, joinAll, startServer } from '../helpers.js';

/** Scrapes `/metrics`: each sample's value by its series, as written (`name{label="x"}`). */
async function scrape(server: ChatServer): Promise<Map<string, number>> {
  const { port } = server.webAddress!;
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

/** What the server wrote to these clients: the bytes their sockets have read. */
function bytesRead(clients: RawClient[]): number {
  return clients.reduce((sum, c) => sum + c.socket.bytesRead, 0);
}

describe('/metrics: deliveries, bytes out, flood and slow-consumer counts', () => {
  for (const nativeWrites of [true, false]) {
    it(`counts each delivery and every byte written (nativeWrites ${nativeWrites})`, async (t) => {
      const server = await startServer(t, { http: true, nativeWrites });
      const clients = await joinAll(t, server, ['alice', 'bob', 'carol']);
      const [alice, bob, carol] = clients as [RawClient, RawClient, RawClient];
      let m = await scrape(server);
      // bob's joining reached alice; carol's reached alice and bob.
      assert.equal(m.get('natter_deliveries_total{kind="room"}'), 3);
      assert.equal(m.get('natter_deliveries_total{kind="whisper"}'), 0);
      assert.equal(m.get('natter_bytes_out_total'), bytesRead(clients));

      alice.send({ cmd: '7', msg: 'hello, both of you' });
      await bob.expect('70');
      await carol.expect('70');
      m = await scrape(server);
      assert.equal(m.get('natter_deliveries_total{kind="room"}'), 5, 'a chat to two others');
      assert.equal(m.get('natter_bytes_out_total'), bytesRead(clients));
      const fanout = server.stats().nativeFanout;
      if (fanout) assert.ok(nativeWrites && fanout.sockets > 0, 'written by the native fan-out');

      const before = bytesRead(clients);
      bob.send({ cmd: '2', to: 'carol', msg: 'psst' });
      await bob.expect('22');
      await carol.expect('70');
      alice.send({ cmd: '3' });
      await alice.waitClosed();
      await bob.expect('30');
      await carol.expect('30');
      m = await scrape(server);
      assert.equal(m.get('natter_deliveries_total{kind="whisper"}'), 1);
      assert.equal(m.get('natter_deliveries_total{kind="room"}'), 7, "alice's 30 to two");
      assert.ok(bytesRead(clients) > before);
      assert.equal(m.get('natter_bytes_out_total'), bytesRead(clients));
    });
  }

  it('counts refused connections and flood refusals, also under names of their own', async (t) => {
    const server = await startServer(t, {
      http: true,
      exemptAddresses: [],
      maxConnectionsPerIp: 2,
      floodBurst: 10,
      floodRate: 0.001,
      floodStrikes: 5,
    });
    const [alice] = (await joinAll(t, server, ['alice'])) as [RawClient];
    const flooder = await RawClient.open(t, server);
    const refused = await RawClient.open(t, server); // a third from one address
    assert.equal((await refused.expect('921')).error, 'TOO_MANY_CONNECTIONS_FROM_IP');
    await refused.waitClosed();
    const burst = [{ cmd: '0', nickname: 'flooder' }];
    for (let i = 0; i < 30; i++) burst.push({ cmd: '7', msg: `m${i}` } as never);
    flooder.send(burst.map((r) => JSON.stringify(r)).join('\n') + '\n');
    await flooder.waitClosed();
    assert.equal(flooder.messages.filter((msg) => msg.cmd === '916').length, 5);
    assert.equal((await alice.expect('8')).nickname, 'flooder');
    for (let i = 0; i < 9; i++) await alice.expect('70');
    await alice.expect('30');
    const m = await scrape(server);
    assert.equal(m.get('natter_errors_total{error="TOO_MANY_CONNECTIONS_FROM_IP"}'), 1);
    assert.equal(m.get('natter_errors_total{error="RATE_LIMITED"}'), 5);
    assert.equal(m.get('natter_flood_refusals_total'), 5);
    assert.equal(m.get('natter_errors_total{error="FLOOD"}'), 1);
    assert.equal(m.get('natter_flood_disconnects_total'), 1);
    assert.equal(m.get('natter_slow_consumers_total'), 0);
    assert.equal(m.get('natter_bytes_out_total'), bytesRead([alice, flooder, refused]));
    assert.equal(m.get('natter_redis_rtt_seconds_count'), undefined, 'a single node has no Redis');
    assert.ok((m.get('nodejs_eventloop_lag_seconds') ?? -1) >= 0, 'the event-loop lag');
  });
});
