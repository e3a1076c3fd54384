import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dialectOf, grantedCaps } from '../../src/bench/dialect.js';
import { TCP } from '../../src/bench/plan.js';
import { parseCaps } from '../../src/cli/bench.js';
import { UsageError } from '../../src/cli/usage.js';

describe('the load generator’s capabilities', () => {
  it('--caps takes names, repeated or comma-separated, once each', () => {
    assert.equal(parseCaps(undefined), undefined);
    assert.deepEqual(parseCaps(['history']), ['history']);
    assert.deepEqual(parseCaps(['history,whisper', 'history']), ['history', 'whisper']);
    assert.deepEqual(parseCaps([' history , ']), ['history']);
    // Asked for, yet empty: an extended client with no capability.
    assert.deepEqual(parseCaps(['']), []);
    assert.throws(() => parseCaps(['his tory']), UsageError);
    assert.throws(() => parseCaps(['"history"']), UsageError);
  });

  it('a client asks for them in its CONNECT, and a seed client sends no caps', () => {
    const natter = dialectOf(TCP);
    assert.deepEqual(JSON.parse(natter.join('bq00001', ['history']).hello), {
      cmd: '0',
      nickname: 'bq00001',
      caps: ['history'],
    });
    assert.deepEqual(JSON.parse(natter.join('bq00001').hello), { cmd: '0', nickname: 'bq00001' });
  });

  it('reads what the 03 granted, also among other messages and run together', () => {
    const welcome =
      '{"cmd":"03","serverAddress":["127.0.0.1",1],"userCount":1,"room":"lobby","caps":["history"],' +
      '"server":"natter/0.1.0","limits":{"maxFrameBytes":65536,"maxMessageLength":5000}}';
    const joined = '{"cmd":"8","nickname":"bq00002","userCount":2}';
    assert.deepEqual(grantedCaps(welcome + '\n'), ['history']);
    // Over a WebSocket the messages come without newlines.
    assert.deepEqual(grantedCaps(joined + welcome), ['history']);
    // History off: the list is there, without it.
    assert.deepEqual(grantedCaps(welcome.replace('["history"]', '[]')), []);
    // A seed's 03 has none.
    assert.deepEqual(grantedCaps('{"cmd":"03","serverAddress":["127.0.0.1",1],"userCount":1}'), []);

    const join = dialectOf(TCP).join('bq00001', ['history']);
    assert.equal(join.step('{"cmd":"8"'), undefined);
    assert.deepEqual(join.step(welcome + '\n'), { joined: true, granted: ['history'] });
    assert.deepEqual(
      dialectOf(TCP)
        .join('bq00001')
        .step(welcome + '\n'),
      {
        joined: true,
        granted: undefined,
      },
    );
  });
});
