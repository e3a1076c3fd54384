import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawClient, join, joinAll, startServer } from '../helpers.js';

describe('error responses', () => {
  it('answers invalid JSON with 900 and keeps the connection', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    alice.send('{"cmd": "7", msg: unquoted}\n');
    const error = await alice.expect('900');
    assert.equal(error.error, 'INVALID_JSON');
    assert.equal(typeof error.reason, 'string');
    assert.equal(error.fatal, undefined);
    await alice.expectQuiet();
  });

  it('answers a request without a string cmd with 904', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    alice.send({ nickname: 'x' });
    assert.equal((await alice.expect('904')).error, 'INVALID_REQUEST');
    alice.send({ cmd: 7 });
    assert.equal((await alice.expect('904')).error, 'INVALID_REQUEST');
  });

  it('answers an unknown command with 905 naming it', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    alice.send({ cmd: '99' });
    const error = await alice.expect('905');
    assert.equal(error.request, '99');
  });

  it('answers any command before CONNECT with 907, and then accepts CONNECT', async (t) => {
    const server = await startServer(t);
    const client = await RawClient.open(t, server);
    for (const cmd of ['1', '2', '3', '4', '5', '6', '7', '11', '12', '13']) {
      client.send({ cmd, msg: 'x', to: 'y', newNickname: 'z', beginTime: 1, room: 'r' });
      const error = await client.expect('907');
      assert.equal(error.request, cmd);
    }
    client.send({ cmd: '0', nickname: 'late' });
    await client.expect('03');
  });

  it('checks field types: each wrong field is named', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    const cases: [object, string][] = [
      [{ cmd: '7' }, 'msg'],
      [{ cmd: '7', msg: 1 }, 'msg'],
      [{ cmd: '7', msg: null }, 'msg'],
      [{ cmd: '7', msg: ['a'] }, 'msg'],
      [{ cmd: '2', to: 1, msg: 'x' }, 'to'],
      [{ cmd: '5', newNickname: {} }, 'newNickname'],
      [{ cmd: '12', room: 3 }, 'room'],
      [{ cmd: '4', id: { a: 1 } }, 'id'],
      [{ cmd: '4', id: 'x'.repeat(200) }, 'id'],
    ];
    for (const [request, field] of cases) {
      alice.send(request);
      const error = await alice.expect('906');
      assert.equal(error.field, field, JSON.stringify(request));
    }
  });

  it('echoes a numeric id byte for byte, or refuses one it could not (rule 4.3)', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    for (const id of ['42', '-7', '0.5', '1.5e-7', '9007199254740991']) {
      alice.send(`{"cmd":"4","id":${id}}\n`);
      await alice.expect('40');
      assert.ok(alice.raw.trimEnd().endsWith(`"id":${id}}`), `${id} echoed as ${alice.raw}`);
      alice.raw = '';
    }
    for (const id of ['9007199254740993', '1e-400', '1.0', '1e2', '-0', '1E+2']) {
      alice.send(`{"cmd":"4","id":${id}}\n`);
      const error = await alice.expect('906');
      assert.equal(error.field, 'id', id);
      assert.equal(error.id, undefined, `${id}: not echoed as something else`);
    }
  });

  it('does not take inherited properties as fields', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    alice!.send('{"cmd":"7","__proto__":{"msg":"sneaky"}}');
    assert.equal((await alice!.expect('906')).field, 'msg');
    await bob!.expectQuiet();
  });

  it('echoes the request id on errors', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    alice.send({ cmd: '99', id: 42 });
    assert.equal((await alice.expect('905')).id, 42);
    alice.send({ cmd: '7', id: 'x' });
    assert.equal((await alice.expect('906')).id, 'x');
  });

  it('keeps answers in request order, errors included', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    alice.send('{"cmd":"1"}oops\n{"cmd":"99"}{"cmd":"4"}{"cmd":"6","beginTime":1}');
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await alice.next()).cmd);
    assert.deepEqual(codes, ['10', '900', '905', '40', '60']);
  });

  it("one client's bad input never affects another", async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    bob!.send('\u0000\u0001\u00ff{{{{]]]]' + '{"cmd":'.repeat(100) + '\n');
    alice!.send({ cmd: '7', msg: 'still here' });
    let message = await bob!.next();
    while (message.cmd !== '70') {
      assert.ok(message.cmd.startsWith('9'), JSON.stringify(message)); // errors for its own input
      message = await bob!.next();
    }
    assert.deepEqual(message, { cmd: '70', from: 'alice', msg: 'still here' });
  });
});
