import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join, startServer } from '../helpers.js';

describe('RTT 6', () => {
  it('echoes beginTime unchanged, byte for byte, whatever its type', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    const values = [
      '1732700000.123456',
      '1732700000123456789', // beyond 2^53: must not be rounded
      '1.0',
      '-0',
      '1e400',
      '"2026-11-27T12:00:00Z"',
      'null',
      'true',
      '{"a":[1,2,{"b":"c"}]}',
    ];
    for (const value of values) {
      alice.raw = '';
      alice.send(`{"cmd":"6","beginTime":${value}}`);
      await alice.expect('60');
      assert.equal(alice.raw, `{"cmd":"60","beginTime":${value}}\n`, value);
    }
  });

  it('echoes the last beginTime when the key repeats, as JSON.parse does', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    alice.raw = '';
    alice.send('{"cmd":"6","beginTime":1,"beginTime":22.50}');
    await alice.expect('60');
    assert.equal(alice.raw, '{"cmd":"60","beginTime":22.50}\n');
  });

  it('answers a missing beginTime with 906', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    alice.send({ cmd: '6' });
    assert.equal((await alice.expect('906')).field, 'beginTime');
  });

  it('echoes the id next to a verbatim number', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    alice.raw = '';
    alice.send('{"cmd":"6","beginTime":12345678901234567890,"id":"r1"}');
    await alice.expect('60');
    assert.equal(alice.raw, '{"cmd":"60","beginTime":12345678901234567890,"id":"r1"}\n');
  });
});
