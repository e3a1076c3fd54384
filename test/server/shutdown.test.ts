import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawClient, joinAll, startServer } from '../helpers.js';

describe('shutdown', () => {
  it('close() tells every client 912, delivers what was queued, closes every socket', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    const stranger = await RawClient.open(t, server);
    bob!.send({ cmd: '7', msg: 'before the end' });
    await alice!.expect('70');
    await server.close();
    for (const client of [alice!, bob!, stranger]) {
      const notice = await client.next();
      assert.equal(notice.cmd, '912');
      assert.equal(notice.error, 'SERVER_SHUTTING_DOWN');
      assert.equal(notice.fatal, true);
      await client.waitClosed();
    }
    // Members are not sent each other's departures during shutdown.
    assert.deepEqual(alice!.messages, []);
    assert.equal(server.connectionCount, 0);
  });

  it('close() stops accepting and is safe to call twice', async (t) => {
    const server = await startServer(t);
    const port = server.port;
    const first = server.close();
    assert.equal(server.close(), first);
    await first;
    await assert.rejects(RawClient.open(t, port));
  });

  it('a client that does not read cannot hold shutdown past the grace period', async (t) => {
    const server = await startServer(t, { shutdownGraceMs: 200 });
    const [deaf, talker] = await joinAll(t, server, ['deaf', 'talker']);
    deaf!.socket.pause();
    for (let i = 0; i < 50; i++) talker!.send({ cmd: '7', msg: 'z'.repeat(8000) });
    await server.close();
    assert.equal(server.connectionCount, 0);
  });

  it('delivers every message accepted before the shutdown, then 912', async (t) => {
    const server = await startServer(t);
    const [sender, reader] = await joinAll(t, server, ['sender', 'reader']);
    const total = 5000;
    for (let i = 0; i < total; i++) sender!.send({ cmd: '7', msg: String(i), id: i });
    // Wait until the server has accepted the last one (its acknowledgement), then stop.
    let acks = 0;
    while (acks < total) if ((await sender!.next()).cmd === '71') acks++;
    const closing = server.close();
    for (let i = 0; i < total; i++) assert.equal((await reader!.expect('70')).msg, String(i));
    assert.equal((await reader!.next()).cmd, '912');
    await reader!.waitClosed();
    await closing;
  });
});
