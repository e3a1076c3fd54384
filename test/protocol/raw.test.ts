import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rawMember } from '../../src/protocol/raw.js';

describe('rawMember', () => {
  it('returns the exact text of a top-level value', () => {
    assert.equal(
      rawMember('{"cmd":"6","beginTime":1732700000123456789}', 'beginTime'),
      '1732700000123456789',
    );
    assert.equal(rawMember('{ "beginTime" : 1.50 , "cmd":"6"}', 'beginTime'), '1.50');
    assert.equal(
      rawMember('{"a":{"beginTime":1},"beginTime":[1,{"x":"}"}]}', 'beginTime'),
      '[1,{"x":"}"}]',
    );
    assert.equal(rawMember('{"s":"\\"beginTime\\":9","beginTime":"v"}', 'beginTime'), '"v"');
    assert.equal(rawMember('{"begin\\u0054ime":7}', 'beginTime'), '7');
    assert.equal(rawMember('{"beginTime":1,"beginTime":2}', 'beginTime'), '2');
    assert.equal(rawMember('{"cmd":"6"}', 'beginTime'), undefined);
    assert.equal(rawMember('{}', 'beginTime'), undefined);
    assert.equal(rawMember('{"beginTime":-1e-7}', 'beginTime'), '-1e-7');
    assert.equal(rawMember('{"beginTime":true}', 'beginTime'), 'true');
  });
});
