import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from '../../../src/server/services/token-bucket.js';

describe('TokenBucket', () => {
  it('gives a burst at once, then says how long until the next token', () => {
    const bucket = new TokenBucket(3, 2, 0);
    assert.equal(bucket.take(0), 0);
    assert.equal(bucket.take(0), 0);
    assert.equal(bucket.take(0), 0);
    assert.equal(bucket.take(0), 500, 'at 2 tokens per second the next comes in 500 ms');
    assert.equal(bucket.take(250), 250);
  });

  it('refills at its rate, never above its size', () => {
    const bucket = new TokenBucket(2, 10, 0);
    bucket.take(0);
    bucket.take(0);
    assert.equal(bucket.take(100), 0, 'one token after 100 ms');
    assert.equal(bucket.isFull(10_000), true);
    assert.equal(bucket.take(10_000), 0);
    assert.equal(bucket.take(10_000), 0);
    assert.ok(bucket.take(10_000) > 0, 'no more than its size after a long pause');
  });

  it('a clock that goes backwards gives nothing extra', () => {
    const bucket = new TokenBucket(1, 1, 1000);
    assert.equal(bucket.take(1000), 0);
    assert.ok(bucket.take(0) > 0);
  });
});
