import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { connect, NatterError, type ChatEvent } from '../../src/index.js';
import { joinAll, startServer } from '../helpers.js';

describe('client library', () => {
  it('connects and joins, exposing what the server said', async (t) => {
    const server = await startServer(t);
    const client = await connect({ host: '127.0.0.1', port: server.port, nickname: 'alice' });
    t.after(() => client.destroy());
    assert.equal(client.nickname, 'alice');
    assert.equal(client.room, 'lobby');
    assert.equal(client.extended, true);
    assert.deepEqual(client.serverAddress, ['127.0.0.1', server.port]);
    assert.match(client.server ?? '', /^natter\//);
  });

  it("resolves each command with the server's answer", async (t) => {
    const server = await startServer(t);
    const alice = await connect({ port: server.port, host: '127.0.0.1', nickname: 'alice' });
    const bob = await connect({ port: server.port, host: '127.0.0.1', nickname: 'bob' });
    t.after(() => (alice.destroy(), bob.destroy()));
    const users = await alice.users();
    assert.deepEqual(
      users.map((u) => u.nickname),
      ['alice', 'bob'],
    );
    assert.equal(users[0]?.ip, '127.0.0.1');
    assert.equal((await alice.version()).serverVersion, '1');
    const rtt = await alice.rtt();
    assert.ok(rtt >= 0 && Number.isFinite(rtt));
    await alice.rename('alicia');
    assert.equal(alice.nickname, 'alicia');
    const rooms = await alice.rooms();
    assert.deepEqual(rooms[0], { name: 'lobby', userCount: 2, capacity: 10 });
    assert.deepEqual(await alice.joinRoom('dev'), { room: 'dev', userCount: 1 });
    assert.equal(alice.room, 'dev');
    assert.deepEqual(await alice.leaveRoom(), { room: 'lobby', userCount: 2 });
  });

  it('rejects with a NatterError carrying the code', async (t) => {
    const server = await startServer(t, { maxUsers: 2 });
    const alice = await connect({ port: server.port, host: '127.0.0.1', nickname: 'alice' });
    const bob = await connect({ port: server.port, host: '127.0.0.1', nickname: 'bob' });
    t.after(() => (alice.destroy(), bob.destroy()));
    const code = async (p: Promise<unknown>) => {
      const err = await p.then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof NatterError, String(err));
      return err.code;
    };
    assert.equal(await code(alice.whisper('nobody', 'x')), '20');
    assert.equal(await code(alice.whisper('alice', 'x')), '21');
    assert.equal(await code(alice.rename('bob')), '50');
    assert.equal(await code(alice.rename('bad name')), '909');
    assert.equal(await code(alice.leaveRoom()), '132');
    assert.equal(
      await code(connect({ port: server.port, host: '127.0.0.1', nickname: 'alice' })),
      '01',
    );
    assert.equal(
      await code(connect({ port: server.port, host: '127.0.0.1', nickname: 'carol' })),
      '02',
    );
    assert.equal(
      await code(connect({ port: server.port, host: '127.0.0.1', nickname: '' })),
      '909',
    );
    const err = await alice.whisper('nobody', 'x').catch((e: NatterError) => e);
    assert.equal((err as NatterError).message, 'there is no user with that nickname');
  });

  it('rejects a refused connection with ECONNREFUSED and a clear message', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    await assert.rejects(
      connect({ host: '127.0.0.1', port, nickname: 'x' }),
      (err: NatterError) => {
        assert.equal(err.code, 'ECONNREFUSED');
        assert.match(
          err.message,
          /connection refused by 127\.0\.0\.1:\d+: is the server running\?/,
        );
        return true;
      },
    );
  });

  it('rejects with ETIMEDOUT when a server accepts but never answers CONNECT', async (t) => {
    const mute = net.createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    t.after(() => mute.close());
    const port = (mute.address() as net.AddressInfo).port;
    await assert.rejects(
      connect({ host: '127.0.0.1', port, nickname: 'x', timeoutMs: 300 }),
      (err: NatterError) => err.code === 'ETIMEDOUT' && /did not answer CONNECT/.test(err.message),
    );
  });

  it('delivers chats, whispers and presence as events and through the async iterator', async (t) => {
    const server = await startServer(t);
    const alice = await connect({ port: server.port, host: '127.0.0.1', nickname: 'alice' });
    t.after(() => alice.destroy());
    const viaEvents: ChatEvent[] = [];
    alice.on('event', (e: ChatEvent) => viaEvents.push(e));
    const chats: string[] = [];
    alice.on('chat', (e: { msg: string }) => chats.push(e.msg));
    const iterator = alice.events();

    const bob = await connect({ port: server.port, host: '127.0.0.1', nickname: 'bob' });
    // The server keeps history: the chat has a number and a time, which bob is told too.
    const receipt = await bob.chat('hello 안녕');
    assert.equal(receipt?.seq, 1);
    await bob.whisper('alice', 'secret');
    await bob.rename('robert');
    await bob.joinRoom('dev');
    const carol = await connect({ port: server.port, host: '127.0.0.1', nickname: 'carol' });
    await carol.exit();

    const expected: ChatEvent[] = [
      { type: 'join', nickname: 'bob', userCount: 2 },
      { type: 'chat', from: 'bob', msg: 'hello 안녕', seq: 1, ts: receipt!.ts },
      { type: 'whisper', from: 'bob', msg: 'secret' },
      { type: 'rename', nickname: 'bob', newNickname: 'robert' },
      { type: 'move', nickname: 'robert', room: 'dev', userCount: 1 },
      { type: 'join', nickname: 'carol', userCount: 2 },
      { type: 'leave', nickname: 'carol', userCount: 1 },
    ];
    const got: ChatEvent[] = [];
    for await (const event of iterator) {
      got.push(event);
      if (got.length === expected.length) break;
    }
    assert.deepEqual(got, expected);
    assert.deepEqual(viaEvents, expected);
    assert.deepEqual(chats, ['hello 안녕']);
    await bob.exit();
  });

  it('closed() resolves with the fatal reason when the server disconnects the client', async (t) => {
    const server = await startServer(t);
    const client = await connect({ port: server.port, host: '127.0.0.1', nickname: 'rude' });
    const chatting = client.chat('I hate professor X');
    await assert.rejects(chatting, (err: NatterError) => err.code === '911');
    const reason = await client.closed();
    assert.equal(reason?.code, '911');
    assert.equal(reason?.errorName, 'BANNED_PHRASE');
  });

  it('closed() resolves undefined after exit(), and events() ends', async (t) => {
    const server = await startServer(t);
    const [watcher] = await joinAll(t, server, ['watcher']);
    const client = await connect({ port: server.port, host: '127.0.0.1', nickname: 'leaver' });
    const events = client.events();
    await client.exit();
    assert.equal(await client.closed(), undefined);
    assert.deepEqual(await events.next(), { value: undefined, done: true });
    await watcher!.expect('8');
    assert.deepEqual(await watcher!.next(), { cmd: '30', nickname: 'leaver', userCount: 1 });
    await assert.rejects(client.users(), (err: NatterError) => err.code === 'CLOSED');
  });

  it('reports a server shutdown as the close reason', async (t) => {
    const server = await startServer(t);
    const client = await connect({ port: server.port, host: '127.0.0.1', nickname: 'x' });
    await server.close();
    assert.equal((await client.closed())?.code, '912');
  });
});
