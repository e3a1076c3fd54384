import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, NatterError, type ChatEvent } from '../../src/index.js';
import { startSeed } from '../seed/seed-server.js';

/**
 * The client library against the seed server itself: no ids, no acknowledgements, bare objects
 * back to back. Answers are matched to requests in order.
 */
describe('client library against the seed server', () => {
  it('joins, runs every command and receives events', async (t) => {
    const seed = await startSeed(t);
    const alice = await connect({ host: '127.0.0.1', port: seed.port, nickname: 'alice' });
    t.after(() => alice.destroy());
    assert.equal(alice.extended, false);
    assert.equal(alice.room, undefined);
    assert.deepEqual(alice.serverAddress, ['127.0.0.1', seed.port]);

    const events: ChatEvent[] = [];
    alice.on('event', (e: ChatEvent) => events.push(e));
    const bob = await connect({ host: '127.0.0.1', port: seed.port, nickname: 'bob' });
    t.after(() => bob.destroy());

    assert.deepEqual(
      (await bob.users()).map((u) => u.nickname),
      ['alice', 'bob'],
    );
    assert.deepEqual(await bob.version(), { serverVersion: '1' });
    assert.ok((await bob.rtt()) >= 0);
    await bob.chat('안녕 from bob');
    await bob.whisper('alice', 'psst');
    await assert.rejects(bob.whisper('nobody', 'x'), (e: NatterError) => e.code === '20');
    await assert.rejects(bob.rename('alice'), (e: NatterError) => e.code === '50');
    await bob.rename('robert');
    assert.equal(bob.nickname, 'robert');
    await bob.exit();
    assert.equal(await bob.closed(), undefined);

    // Whispers look like chats from the seed (its defect D23); the leave carries the new name.
    const deadline = Date.now() + 5000;
    while (events.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(events, [
      { type: 'join', nickname: 'bob', userCount: 2 },
      { type: 'chat', from: 'bob', msg: '안녕 from bob' },
      { type: 'chat', from: 'bob', msg: 'psst' },
      { type: 'leave', nickname: 'robert', userCount: 1 },
    ]);
  });

  it('rejects a taken nickname with 01', async (t) => {
    const seed = await startSeed(t);
    const first = await connect({ host: '127.0.0.1', port: seed.port, nickname: 'same' });
    t.after(() => first.destroy());
    await assert.rejects(
      connect({ host: '127.0.0.1', port: seed.port, nickname: 'same' }),
      (e: NatterError) => e.code === '01' && /already taken/.test(e.message),
    );
  });

  it('paces requests so the seed reads them one at a time, even when not awaited', async (t) => {
    const seed = await startSeed(t);
    const alice = await connect({ host: '127.0.0.1', port: seed.port, nickname: 'alice' });
    const bob = await connect({ host: '127.0.0.1', port: seed.port, nickname: 'bob' });
    t.after(() => (alice.destroy(), bob.destroy()));
    const got: string[] = [];
    bob.on('chat', (e: { msg: string }) => got.push(e.msg));
    const sends = Array.from({ length: 20 }, (_, i) => alice.chat(`m${i}`));
    const [users, version] = await Promise.all([alice.users(), alice.version(), ...sends]);
    assert.equal((users as { nickname: string }[]).length, 2);
    assert.deepEqual(version, { serverVersion: '1' });
    const deadline = Date.now() + 5000;
    while (got.length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      got,
      Array.from({ length: 20 }, (_, i) => `m${i}`),
    );
  });
});
