import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join, joinAll, logsOf, startServer } from '../helpers.js';

describe('length limits', () => {
  it('a message over maxMessageLength gets 915 with the limit; nothing is delivered', async (t) => {
    const server = await startServer(t, { maxMessageLength: 10 });
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    bob!.send({ cmd: '7', msg: 'x'.repeat(11), id: 1 });
    const error = await bob!.expect('915');
    assert.equal(error.error, 'MESSAGE_TOO_LONG');
    assert.equal(error.limit, 10);
    assert.equal(error.id, 1);
    assert.equal(error.fatal, undefined);
    bob!.send({ cmd: '2', to: 'alice', msg: 'y'.repeat(11) });
    assert.equal((await bob!.expect('915')).request, '2');
    // The seed's whisper checks come first: no such user, yourself.
    bob!.send({ cmd: '2', to: 'nobody', msg: 'y'.repeat(11) });
    assert.equal((await bob!.next()).cmd, '20');
    bob!.send({ cmd: '2', to: 'bob', msg: 'y'.repeat(11) });
    assert.equal((await bob!.next()).cmd, '21');
    await alice!.expectQuiet();
    // Exactly the limit, counted in characters: 10 emoji are 20 UTF-16 units.
    bob!.send({ cmd: '7', msg: '😀'.repeat(10) });
    assert.deepEqual(await alice!.next(), { cmd: '70', from: 'bob', msg: '😀'.repeat(10) });
  });

  it('by default allows 5,000 characters, which always fit in a frame', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    // The worst case: every character an emoji written as two escapes, 12 bytes, 60,000 in all.
    const emoji = '😀'.repeat(5000);
    const escaped = JSON.stringify(emoji).replace(
      /[\ud800-\udfff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16)}`,
    );
    bob!.send(`{"cmd":"7","msg":${escaped},"id":1}\n`);
    assert.deepEqual(await bob!.next(), { cmd: '71', id: 1 });
    assert.equal((await alice!.expect('70')).msg, emoji);
    bob!.send({ cmd: '7', msg: '가'.repeat(5001), id: 2 });
    assert.equal((await bob!.next()).cmd, '915');
    assert.equal(logsOf(server).filter((l) => /may not fit/.test(l)).length, 0);
  });

  it('warns at start when a maximal message may not fit in a frame', async (t) => {
    const server = await startServer(t, { maxMessageLength: 20_000 });
    const [warning] = logsOf(server).filter((l) => /may not fit/.test(l));
    assert.match(
      warning ?? '',
      /raise --max-frame-bytes to 241024 or lower --max-message-length to 5376/,
    );
  });

  it('limits nickname and room name length as configured', async (t) => {
    const server = await startServer(t, {
      maxNicknameLength: 4,
      maxRoomNameLength: 3,
      defaultRoom: 'hub',
    });
    const client = await join(t, server, 'abcd');
    client.send({ cmd: '5', newNickname: 'abcde' });
    assert.equal((await client.expect('909')).error, 'INVALID_NICKNAME');
    client.send({ cmd: '12', room: 'abcd' });
    assert.equal((await client.expect('910')).error, 'INVALID_ROOM_NAME');
    client.send({ cmd: '12', room: 'abc' });
    await client.expect('120');
  });
});
