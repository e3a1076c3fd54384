import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawClient, eventually, join, joinAll, logsOf, startServer } from '../helpers.js';

describe('EXIT 3 and lost connections', () => {
  it('EXIT: no reply, the server closes, the others get 30 with the new userCount', async (t) => {
    const server = await startServer(t);
    const [alice, bob, carol] = await joinAll(t, server, ['alice', 'bob', 'carol']);
    bob!.send({ cmd: '3' });
    await bob!.waitClosed();
    assert.deepEqual(bob!.messages, []);
    assert.deepEqual(await alice!.next(), { cmd: '30', nickname: 'bob', userCount: 2 });
    assert.deepEqual(await carol!.next(), { cmd: '30', nickname: 'bob', userCount: 2 });
    carol!.send({ cmd: '1' });
    const rows = (await carol!.expect('10')).users as unknown[][];
    assert.deepEqual(
      rows.map((r) => r[0]),
      ['alice', 'carol'],
    );
  });

  it('ignores requests that follow EXIT in the same write', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    bob!.send('{"cmd":"3"}{"cmd":"7","msg":"after exit"}');
    await bob!.waitClosed();
    assert.deepEqual(await alice!.next(), { cmd: '30', nickname: 'bob', userCount: 1 });
    await alice!.expectQuiet();
  });

  it('an abrupt disconnect (reset) gets the others a 30', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    bob!.socket.resetAndDestroy();
    assert.deepEqual(await alice!.next(), { cmd: '30', nickname: 'bob', userCount: 1 });
    await eventually(
      () => logsOf(server).some((l) => l.includes('has been lost')),
      'the lost line',
    );
  });

  it('a half-close (FIN) is answered first, then the member leaves', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    bob!.socket.end('{"cmd":"4"}{"cmd":"7","msg":"last words"}');
    assert.deepEqual(await bob!.next(), { cmd: '40', serverVersion: '1' });
    await bob!.waitClosed();
    assert.deepEqual(await alice!.next(), { cmd: '70', from: 'bob', msg: 'last words' });
    assert.deepEqual(await alice!.next(), { cmd: '30', nickname: 'bob', userCount: 1 });
  });

  it('a connection that closes before joining leaves no trace (D01, D12)', async (t) => {
    const server = await startServer(t);
    const [alice] = await joinAll(t, server, ['alice']);
    const scanner = await RawClient.open(t, server);
    scanner.socket.end();
    await scanner.waitClosed();
    const garbage = await RawClient.open(t, server);
    garbage.socket.end('not json at all');
    await garbage.waitClosed();
    // The server keeps serving: a new member joins, the existing one is unaffected.
    await join(t, server, 'bob');
    assert.deepEqual(await alice!.next(), { cmd: '8', nickname: 'bob', userCount: 2 });
    alice!.send({ cmd: '1' });
    const rows = (await alice!.expect('10')).users as unknown[][];
    assert.deepEqual(
      rows.map((r) => r[0]),
      ['alice', 'bob'],
    );
  });
});
