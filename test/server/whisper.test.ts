import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join, joinAll, startServer } from '../helpers.js';

describe('WHISPER 2', () => {
  it('delivers 70 {from, msg} to the target only, then answers 22', async (t) => {
    const server = await startServer(t);
    const [alice, bob, carol] = await joinAll(t, server, ['alice', 'bob', 'carol']);
    alice!.send({ cmd: '2', to: 'bob', msg: '비밀 secret' });
    assert.deepEqual(await alice!.next(), { cmd: '22' });
    assert.deepEqual(await bob!.next(), { cmd: '70', from: 'alice', msg: '비밀 secret' });
    await carol!.expectQuiet();
    await bob!.expectQuiet();
  });

  it('answers 20 for an unknown user and 21 for yourself', async (t) => {
    const server = await startServer(t);
    const [alice] = await joinAll(t, server, ['alice', 'bob']);
    alice!.send({ cmd: '2', to: 'nobody', msg: 'x' });
    assert.deepEqual(await alice!.next(), { cmd: '20' });
    alice!.send({ cmd: '2', to: 'alice', msg: 'x' });
    assert.deepEqual(await alice!.next(), { cmd: '21' });
    alice!.send({ cmd: '2', to: 'ALICE', msg: 'x' });
    assert.deepEqual(await alice!.next(), { cmd: '21' });
  });

  it('finds the target whatever the case of the nickname', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'Bob']);
    alice!.send({ cmd: '2', to: 'BOB', msg: 'hey' });
    assert.deepEqual(await alice!.next(), { cmd: '22' });
    assert.deepEqual(await bob!.next(), { cmd: '70', from: 'alice', msg: 'hey' });
  });

  it('reaches users in other rooms', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    const dev = await join(t, server, 'dev', { room: 'devroom' });
    alice.send({ cmd: '2', to: 'dev', msg: 'across' });
    assert.deepEqual(await alice.next(), { cmd: '22' });
    assert.deepEqual(await dev.next(), { cmd: '70', from: 'alice', msg: 'across' });
  });

  it('sends WHISPER_MESSAGE 72 to clients that asked for the whisper capability', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    const bob = await join(t, server, 'bob', { caps: ['whisper'] });
    await alice.expect('8');
    alice.send({ cmd: '2', to: 'bob', msg: 'psst' });
    await alice.expect('22');
    assert.deepEqual(await bob.next(), { cmd: '72', from: 'alice', msg: 'psst' });
  });

  it('uses the new nickname after a rename: the old one gets 20', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    bob!.send({ cmd: '5', newNickname: 'robert' });
    await bob!.expect('51');
    await alice!.expect('52');
    alice!.send({ cmd: '2', to: 'bob', msg: 'x' });
    assert.deepEqual(await alice!.next(), { cmd: '20' });
    alice!.send({ cmd: '2', to: 'robert', msg: 'y' });
    assert.deepEqual(await alice!.next(), { cmd: '22' });
    assert.deepEqual(await bob!.next(), { cmd: '70', from: 'alice', msg: 'y' });
  });

  it('checks the fields: missing or non-string to/msg get 906', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    alice.send({ cmd: '2', msg: 'x' });
    assert.equal((await alice.expect('906')).field, 'to');
    alice.send({ cmd: '2', to: 'bob', msg: 5 });
    assert.equal((await alice.expect('906')).field, 'msg');
  });
});
