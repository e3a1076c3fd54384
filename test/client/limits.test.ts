import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { connect, messageProblem, NatterError, splitMessage } from '../../src/index.js';
import { startServer } from '../helpers.js';

const limits = { maxFrameBytes: 65_536, maxMessageLength: 5_000 };

describe('message limits in the client', () => {
  it('says in a sentence why a message is too long, in characters or in bytes', () => {
    assert.equal(messageProblem('hello', limits), undefined);
    assert.match(
      messageProblem('a'.repeat(5_001), limits) ?? '',
      /5,001 characters; the server takes at most 5,000/,
    );
    assert.match(
      messageProblem('가'.repeat(25_000), { maxFrameBytes: 65_536 }) ?? '',
      /75,000 bytes as sent; the server takes requests of at most 65,536 bytes/,
    );
  });

  it('splits a message into parts that each fit, and that join back into it (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 3000 }),
        fc.integer({ min: 1, max: 700 }),
        (text, maxMessageLength) => {
          const small = { maxFrameBytes: 2048, maxMessageLength };
          const parts = splitMessage(text, small);
          assert.equal(parts.join(''), text);
          for (const part of parts) assert.equal(messageProblem(part, small), undefined);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('breaks at a space near the end of a part rather than inside a word', () => {
    const parts = splitMessage('word '.repeat(30), { maxFrameBytes: 600, maxMessageLength: 42 });
    assert.ok(parts.length > 1);
    for (const part of parts.slice(0, -1)) assert.match(part, /word $/);
  });

  it('learns the limits from a Natter server, and refuses to send a message over them', async (t) => {
    const server = await startServer(t, { maxMessageLength: 100 });
    const client = await connect({ host: '127.0.0.1', port: server.port, nickname: 'long' });
    t.after(() => client.destroy());
    assert.deepEqual(client.limits, { maxFrameBytes: 65_536, maxMessageLength: 100 });
    await assert.rejects(client.chat('x'.repeat(101)), (err: NatterError) => {
      assert.equal(err.code, 'TOO_LONG');
      assert.match(err.message, /101 characters; the server takes at most 100/);
      return true;
    });
    await client.chat('x'.repeat(100));
    assert.equal(client.isClosed, false);
  });
});
