import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawClient, join, joinAll, startServer } from '../helpers.js';

describe('framing on a live server', () => {
  it('every server message is one JSON object followed by \\n', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    bob!.send({ cmd: '7', msg: 'a\nb' });
    bob!.send({ cmd: '1' });
    await alice!.expect('70');
    await bob!.expect('10');
    for (const raw of [alice!.raw, bob!.raw]) {
      const lines = raw.split('\n');
      assert.equal(lines.pop(), '');
      for (const line of lines) assert.equal(typeof JSON.parse(line), 'object');
    }
  });

  it('answers seed-style undelimited requests sent in one write', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    const bob = await RawClient.open(t, server);
    bob.send('{"cmd": "0", "nickname": "bob"}{"cmd": "1"}{"cmd": "4"}{"cmd": "7", "msg": "hi"}');
    assert.equal((await bob.next()).cmd, '03');
    assert.equal((await bob.next()).cmd, '10');
    assert.equal((await bob.next()).cmd, '40');
    assert.equal((await alice.next()).cmd, '8');
    assert.deepEqual(await alice.next(), { cmd: '70', from: 'bob', msg: 'hi' });
  });

  it('reassembles requests written one byte at a time', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    const bob = await RawClient.open(t, server);
    const wire = Buffer.from('{"cmd":"0","nickname":"밥"}\n{"cmd":"7","msg":"조각조각"}');
    for (const byte of wire) {
      bob.socket.write(Uint8Array.of(byte));
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal((await bob.next()).cmd, '03');
    assert.equal((await alice.next()).cmd, '8');
    assert.deepEqual(await alice.next(), { cmd: '70', from: '밥', msg: '조각조각' });
  });

  it('accepts a frame of exactly the limit; a larger one gets 902 and is closed, others unaffected', async (t) => {
    const limit = 4096;
    const server = await startServer(t, { maxFrameBytes: limit });
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    const head = '{"cmd":"7","msg":"';
    const fits = head + 'x'.repeat(limit - head.length - 2) + '"}';
    assert.equal(Buffer.byteLength(fits), limit);
    bob!.send(fits);
    assert.equal(((await alice!.expect('70')).msg as string).length, limit - head.length - 2);
    bob!.send(head + 'y'.repeat(limit) + '"}');
    const error = await bob!.expect('902');
    assert.equal(error.fatal, true);
    assert.equal(error.error, 'FRAME_TOO_LARGE');
    await bob!.waitClosed();
    assert.deepEqual(await alice!.next(), { cmd: '30', nickname: 'bob', userCount: 1 });
    alice!.send({ cmd: '4' });
    await alice!.expect('40');
  });

  it('closes on a too-large frame before it is complete (no unbounded buffering)', async (t) => {
    const server = await startServer(t, { maxFrameBytes: 1024 });
    const client = await RawClient.open(t, server);
    client.send('{"cmd":"0","nickname":"' + 'n'.repeat(5000)); // never terminated
    assert.equal((await client.expect('902')).fatal, true);
    await client.waitClosed();
  });

  it('uses 64 KiB as the default frame limit', async (t) => {
    const server = await startServer(t);
    assert.equal(server.config.maxFrameBytes, 64 * 1024);
  });
});
