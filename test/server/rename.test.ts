import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join, joinAll, startServer } from '../helpers.js';

describe('RENAME 5', () => {
  it("answers 51 {newNickname}; the room's others get 52 {nickname, newNickname}", async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    const outsider = await join(t, server, 'outsider', { room: 'elsewhere' });
    alice!.send({ cmd: '5', newNickname: '앨리스' });
    assert.deepEqual(await alice!.next(), { cmd: '51', newNickname: '앨리스' });
    assert.deepEqual(await bob!.next(), { cmd: '52', nickname: 'alice', newNickname: '앨리스' });
    await outsider.expectQuiet();
    bob!.send({ cmd: '7', msg: 'hi' });
    assert.deepEqual(await alice!.next(), { cmd: '70', from: 'bob', msg: 'hi' });
    alice!.send({ cmd: '7', msg: 'hello' });
    assert.deepEqual(await bob!.next(), { cmd: '70', from: '앨리스', msg: 'hello' });
  });

  it("answers 50 for a taken nickname, the requester's own included (as the seed)", async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    alice!.send({ cmd: '5', newNickname: 'bob' });
    assert.deepEqual(await alice!.next(), { cmd: '50' });
    alice!.send({ cmd: '5', newNickname: 'BOB' });
    assert.deepEqual(await alice!.next(), { cmd: '50' });
    alice!.send({ cmd: '5', newNickname: 'alice' });
    assert.deepEqual(await alice!.next(), { cmd: '50' });
    await bob!.expectQuiet();
  });

  it('allows changing only the case of your own nickname', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    alice!.send({ cmd: '5', newNickname: 'Alice' });
    assert.deepEqual(await alice!.next(), { cmd: '51', newNickname: 'Alice' });
    assert.deepEqual(await bob!.next(), { cmd: '52', nickname: 'alice', newNickname: 'Alice' });
  });

  it('frees the old nickname and uses the new one when leaving', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    alice!.send({ cmd: '5', newNickname: 'al' });
    await alice!.expect('51');
    await bob!.expect('52');
    const newAlice = await join(t, server, 'alice');
    assert.ok(newAlice);
    await bob!.expect('8');
    alice!.send({ cmd: '3' });
    assert.deepEqual(await bob!.next(), { cmd: '30', nickname: 'al', userCount: 2 });
  });

  it('validates the new nickname: 909 for an invalid one, 906 for a missing one', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    alice.send({ cmd: '5', newNickname: 'has space' });
    assert.equal((await alice.expect('909')).request, '5');
    alice.send({ cmd: '5' });
    assert.equal((await alice.expect('906')).field, 'newNickname');
  });

  it('is atomic: of many members racing for one nickname, exactly one wins', async (t) => {
    const server = await startServer(t);
    const names = Array.from({ length: 8 }, (_, i) => `racer${i}`);
    const racers = await joinAll(t, server, names);
    for (const r of racers) r.send({ cmd: '5', newNickname: 'prize' });
    const answers = await Promise.all(
      racers.map(async (r) => {
        let m = await r.next();
        while (m.cmd === '52') m = await r.next(); // the winner's announcement
        return m;
      }),
    );
    assert.equal(answers.filter((a) => a.cmd === '51').length, 1);
    assert.equal(answers.filter((a) => a.cmd === '50').length, racers.length - 1);
  });
});
