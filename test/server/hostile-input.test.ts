import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawClient, eventually, join, joinAll, startServer } from '../helpers.js';

/** Every kind of hostile input has a defined outcome, and nobody else notices. */
describe('hostile input', () => {
  it('malformed UTF-8 gets 901; the connection stays usable', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    alice.send(
      Buffer.concat([
        Buffer.from('{"cmd":"7","msg":"'),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from('"}'),
      ]),
    );
    assert.equal((await alice.expect('901')).error, 'INVALID_UTF8');
    // A lone surrogate encoded in UTF-8 (CESU) is not valid UTF-8 either.
    alice.send(
      Buffer.concat([
        Buffer.from('{"cmd":"7","msg":"'),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from('"}'),
      ]),
    );
    assert.equal((await alice.expect('901')).error, 'INVALID_UTF8');
    await alice.expectQuiet();
  });

  it('deep nesting gets 903; huge values are bounded by the frame limit (902)', async (t) => {
    const server = await startServer(t, { maxFrameBytes: 100_000 });
    const alice = await join(t, server, 'alice');
    alice.send(`{"cmd":"6","beginTime":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    assert.equal((await alice.expect('903')).error, 'NESTING_TOO_DEEP');
    alice.send(`{"cmd":"6","beginTime":[${'1,'.repeat(20_000)}1]}`);
    assert.equal(((await alice.expect('60')).beginTime as unknown[]).length, 20_001);
    alice.send(`{"cmd":"6","beginTime":"${'z'.repeat(200_000)}"}`);
    assert.equal((await alice.expect('902')).fatal, true);
    await alice.waitClosed();
  });

  it('numbers, nulls, arrays and objects where strings belong get 906', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    for (const msg of [1, 1e308, -0, null, true, [], {}, ['x'], { toString: 'x' }]) {
      alice.send({ cmd: '7', msg });
      assert.equal((await alice.expect('906')).field, 'msg');
    }
    for (const cmd of [7, null, ['7'], { a: 1 }]) {
      alice.send({ cmd, msg: 'x' });
      assert.equal((await alice.expect('904')).error, 'INVALID_REQUEST');
    }
  });

  it('__proto__ and constructor keys pollute nothing and are not fields', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    alice!.send(
      '{"cmd":"0","nickname":"x","__proto__":{"cmd":"3","polluted":1},"constructor":{"prototype":{"polluted":1}}}',
    );
    assert.equal((await alice!.expect('908')).error, 'ALREADY_CONNECTED');
    const stranger = await RawClient.open(t, server);
    stranger.send('{"__proto__":{"cmd":"0","nickname":"ghost"}}');
    assert.equal((await stranger.expect('904')).error, 'INVALID_REQUEST');
    stranger.send('{"cmd":"0","__proto__":{"nickname":"ghost"}}');
    assert.equal((await stranger.expect('906')).field, 'nickname');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((Object.prototype as Record<string, unknown>).cmd, undefined);
    alice!.send({ cmd: '7', msg: 'still fine' });
    assert.deepEqual(await bob!.next(), { cmd: '70', from: 'alice', msg: 'still fine' });
  });

  it('control characters: refused in nicknames (909), delivered as sent in messages', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    const client = await RawClient.open(t, server);
    for (const nickname of ['a\u001b[31m', 'b\u0000', 'c\u0085', 'd\u202e']) {
      client.send({ cmd: '0', nickname });
      assert.equal((await client.expect('909')).error, 'INVALID_NICKNAME');
    }
    const msg = 'bell\u0007 escape\u001b[2J nul\u0000 del\u007f c1\u009b';
    alice!.send({ cmd: '7', msg });
    assert.deepEqual(await bob!.next(), { cmd: '70', from: 'alice', msg });
    // On the wire they are JSON escapes: no raw control byte reaches the client's terminal.
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\u0000-\u001f]/.test(bob!.raw.replace(/\n/g, '')));
  });

  it('a request split across thousands of 1-byte writes is answered once', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    const msg = '조각'.repeat(1000);
    const wire = Buffer.from(JSON.stringify({ cmd: '7', msg }));
    assert.ok(wire.length > 6000);
    for (const byte of wire) bob!.socket.write(Uint8Array.of(byte));
    assert.deepEqual(await alice!.next(), { cmd: '70', from: 'bob', msg });
    await alice!.expectQuiet();
  });

  it('a client that disconnects mid-frame: the partial request is dropped, the room gets 30', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    bob!.socket.end('{"cmd":"7","msg":"never fin');
    assert.deepEqual(await alice!.next(), { cmd: '30', nickname: 'bob', userCount: 1 });
    await alice!.expectQuiet();
  });

  it('a peer that resets during a broadcast harms nobody else', async (t) => {
    const server = await startServer(t);
    const names = ['sender', 'a', 'b', 'victim', 'c'];
    const clients = await joinAll(t, server, names);
    const [sender, , , victim] = clients;
    const total = 2000;
    for (let i = 0; i < total; i++) {
      sender!.send({ cmd: '7', msg: `${i}` });
      if (i === total / 2) victim!.socket.resetAndDestroy();
    }
    for (const reader of [clients[1]!, clients[2]!, clients[4]!]) {
      for (let i = 0; i < total; i++) {
        const m = await reader.next();
        if (m.cmd === '30') {
          assert.equal(m.nickname, 'victim');
          i--;
          continue;
        }
        assert.equal(m.msg, `${i}`);
      }
    }
    await eventually(() => server.connectionCount === 4, 'the reset connection to be gone');
  });
});
