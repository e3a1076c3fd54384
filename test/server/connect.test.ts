import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawClient, join, joinAll, startServer } from '../helpers.js';

describe('CONNECT 0', () => {
  it('answers 03 with serverAddress and userCount, exactly the seed fields', async (t) => {
    const server = await startServer(t);
    const alice = await RawClient.open(t, server);
    alice.send({ cmd: '0', nickname: 'alice' });
    const ok = await alice.expect('03');
    assert.deepEqual(ok, { cmd: '03', serverAddress: ['127.0.0.1', server.port], userCount: 1 });
    assert.equal(
      alice.raw,
      `{"cmd":"03","serverAddress":["127.0.0.1",${server.port}],"userCount":1}\n`,
    );
  });

  it('sends NEW_USER_ENTERS 8 to existing members, in join order, before the joiner gets 03', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    const carol = await RawClient.open(t, server);
    carol.send({ cmd: '0', nickname: 'carol' });
    const [ok, a8, b8] = await Promise.all([
      carol.expect('03'),
      alice!.expect('8'),
      bob!.expect('8'),
    ]);
    assert.deepEqual(a8, { cmd: '8', nickname: 'carol', userCount: 3 });
    assert.deepEqual(b8, { cmd: '8', nickname: 'carol', userCount: 3 });
    assert.equal(ok.userCount, 3);
    // The joiner never gets its own 8.
    await carol.expectQuiet();
  });

  it("orders 8 before anything the joiner can cause: the member sees 8 then the joiner's chat", async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    const bob = await RawClient.open(t, server);
    // CONNECT and CHAT in one write: the chat can only be handled after the join.
    bob.send('{"cmd":"0","nickname":"bob"}{"cmd":"7","msg":"hi"}');
    assert.deepEqual(await alice.next(), { cmd: '8', nickname: 'bob', userCount: 2 });
    assert.deepEqual(await alice.next(), { cmd: '70', from: 'bob', msg: 'hi' });
  });

  it('refuses a taken nickname with 01 and closes; nobody else is told', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    const again = await RawClient.open(t, server);
    again.send({ cmd: '0', nickname: 'alice' });
    assert.deepEqual(await again.next(), { cmd: '01' });
    await again.waitClosed();
    await alice.expectQuiet();
  });

  it('compares nicknames without regard to case or compatibility forms', async (t) => {
    const server = await startServer(t);
    await join(t, server, 'Alice');
    for (const nickname of ['alice', 'ALICE', 'Ａｌｉｃｅ']) {
      const other = await RawClient.open(t, server);
      other.send({ cmd: '0', nickname });
      assert.equal((await other.next()).cmd, '01', nickname);
    }
  });

  it('refuses look-alikes of a held nickname with 01, and invisible variants with 909', async (t) => {
    const server = await startServer(t);
    await joinAll(t, server, ['admin', 'kim', 'bob2', 'strasse', 'σ', 'paypal', 'TOM']);
    // Cyrillic а, full case folding, Cyrillic р/а/у, digit 0 for o, Cyrillic capitals.
    for (const nickname of ['аdmin', 'ADMIN', 'straße', 'ς', 'раураl', 'b0b2', 'ТОМ']) {
      const other = await RawClient.open(t, server);
      other.send({ cmd: '0', nickname });
      assert.deepEqual(await other.next(), { cmd: '01' }, nickname);
    }
    for (const nickname of ['kim\u3164', 'bob2\ufe0f', '\u3164', '\u034f', '\u{e0100}', '\u0301']) {
      const other = await RawClient.open(t, server);
      other.send({ cmd: '0', nickname });
      assert.equal((await other.next()).cmd, '909', JSON.stringify(nickname));
    }
  });

  it('refuses an 11th member with 02 and closes; the duplicate check comes first', async (t) => {
    const server = await startServer(t);
    const names = Array.from({ length: 10 }, (_, i) => `user${i}`);
    const members = await joinAll(t, server, names);
    const late = await RawClient.open(t, server);
    late.send({ cmd: '0', nickname: 'late' });
    assert.deepEqual(await late.next(), { cmd: '02' });
    await late.waitClosed();
    const dup = await RawClient.open(t, server);
    dup.send({ cmd: '0', nickname: 'user3' });
    assert.deepEqual(await dup.next(), { cmd: '01' });
    for (const m of members) await m.expectQuiet();
  });

  it('honours a configured capacity', async (t) => {
    const server = await startServer(t, { maxUsers: 2 });
    await joinAll(t, server, ['a', 'b']);
    const c = await RawClient.open(t, server);
    c.send({ cmd: '0', nickname: 'c' });
    assert.equal((await c.next()).cmd, '02');
  });

  it('rejects invalid nicknames with 909 and keeps the connection open for another try', async (t) => {
    const server = await startServer(t, { maxNicknameLength: 8 });
    const client = await RawClient.open(t, server);
    const bad = [
      '',
      'two words',
      'tab\there',
      'ctrl\u0007',
      'zero\u200bwidth',
      'waytoolongname',
      'I Hate Professor',
    ];
    for (const nickname of bad) {
      client.send({ cmd: '0', nickname });
      const error = await client.expect('909');
      assert.equal(error.error, 'INVALID_NICKNAME', nickname);
      assert.equal(error.request, '0');
      assert.equal(typeof error.reason, 'string');
    }
    client.send({ cmd: '0', nickname: '한국어닉네임' });
    await client.expect('03');
  });

  it('rejects a nickname that is not a string with 906 INVALID_FIELD', async (t) => {
    const server = await startServer(t);
    const client = await RawClient.open(t, server);
    for (const nickname of [1, true, null, ['a'], { a: 1 }]) {
      client.send({ cmd: '0', nickname });
      const error = await client.expect('906');
      assert.equal(error.field, 'nickname');
    }
    client.send({ cmd: '0' });
    assert.equal((await client.expect('906')).field, 'nickname');
  });

  it('answers a second CONNECT with 908 ALREADY_CONNECTED', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    alice.send({ cmd: '0', nickname: 'other' });
    assert.equal((await alice.expect('908')).error, 'ALREADY_CONNECTED');
  });

  it('adds room, caps and server to 03 only for clients that send caps', async (t) => {
    const server = await startServer(t);
    const client = await RawClient.open(t, server);
    client.send({ cmd: '0', nickname: 'ext', caps: ['whisper', 'unknown-cap'], id: 'c1' });
    const ok = await client.expect('03');
    assert.equal(ok.room, 'lobby');
    assert.deepEqual(ok.caps, ['whisper']);
    assert.match(String(ok.server), /^natter\/\d+\.\d+\.\d+/);
    assert.equal(ok.id, 'c1');
  });

  it('can join a named room directly', async (t) => {
    const server = await startServer(t);
    const a = await join(t, server, 'a', { room: 'dev' });
    const b = await RawClient.open(t, server);
    b.send({ cmd: '0', nickname: 'b', room: 'DEV' });
    assert.equal((await b.expect('03')).userCount, 2);
    assert.deepEqual(await a.next(), { cmd: '8', nickname: 'b', userCount: 2 });
    const lobby = await join(t, server, 'c');
    await lobby.expectQuiet();
  });

  it('lets a client reconnect with its nickname as soon as it sees the server close (D19)', async (t) => {
    const server = await startServer(t);
    for (let round = 0; round < 20; round++) {
      const client = await join(t, server, 'again');
      client.send({ cmd: '3' });
      await client.waitClosed();
    }
  });
});
