import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { RawClient, join, joinAll, startServer } from '../helpers.js';

describe('USERS 1', () => {
  it('lists [nickname, ip, port] for every member, in join order, the requester included', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    bob!.send({ cmd: '1' });
    const answer = await bob!.expect('10');
    assert.deepEqual(answer, {
      cmd: '10',
      users: [
        ['alice', '127.0.0.1', alice!.socket.localPort],
        ['bob', '127.0.0.1', bob!.socket.localPort],
      ],
    });
  });

  it('reports IPv4 clients of a dual-stack listener as 127.0.0.1, never ::ffff:127.0.0.1', async (t) => {
    // Listening on :: accepts IPv4 clients as IPv4-mapped IPv6 addresses.
    const server = await startServer(t, { host: '::' });
    const socket = net.connect({ host: '127.0.0.1', port: server.port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const client = new RawClient(socket);
    t.after(() => socket.destroy());
    client.send({ cmd: '0', nickname: 'v4' });
    const ok = await client.expect('03');
    assert.deepEqual(ok.serverAddress, ['127.0.0.1', server.port]);
    client.send({ cmd: '1' });
    assert.deepEqual((await client.expect('10')).users, [['v4', '127.0.0.1', socket.localPort]]);
  });

  it('lists a renamed member last, as the seed does', async (t) => {
    const server = await startServer(t);
    const [a, , c] = await joinAll(t, server, ['a', 'b', 'c']);
    a!.send({ cmd: '5', newNickname: 'z' });
    await a!.expect('51');
    await c!.expect('52');
    c!.send({ cmd: '1' });
    const rows = (await c!.expect('10')).users as unknown[][];
    assert.deepEqual(
      rows.map((r) => r[0]),
      ['b', 'c', 'z'],
    );
  });

  it('hides addresses when hideAddresses is set', async (t) => {
    const server = await startServer(t, { hideAddresses: true });
    const a = await join(t, server, 'a');
    a.send({ cmd: '1' });
    assert.deepEqual((await a.expect('10')).users, [['a', 'hidden', 0]]);
  });

  it("lists only the requester's room", async (t) => {
    const server = await startServer(t);
    await join(t, server, 'lobbyist');
    const dev = await join(t, server, 'dev1', { room: 'dev' });
    dev.send({ cmd: '1' });
    const rows = (await dev.expect('10')).users as unknown[][];
    assert.deepEqual(
      rows.map((r) => r[0]),
      ['dev1'],
    );
  });
});
