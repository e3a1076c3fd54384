import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { textFrames } from '../../src/transport/text-frames.js';

describe('textFrames: the core’s NDJSON writes as WebSocket text frames', () => {
  it('makes one unmasked text frame per line, without its newline, with the right header', () => {
    const lines = ['{"a":1}', 'x'.repeat(125), 'y'.repeat(126), 'z'.repeat(70_000)];
    const out = textFrames(Buffer.from(lines.join('\n') + '\n'));
    let at = 0;
    for (const line of lines) {
      assert.equal(out[at], 0x81, 'FIN and text');
      const short = out[at + 1]!;
      assert.equal(short & 0x80, 0, 'a server does not mask');
      let length = short;
      at += 2;
      if (short === 126) {
        length = out.readUInt16BE(at);
        at += 2;
      } else if (short === 127) {
        length = Number(out.readBigUInt64BE(at));
        at += 8;
      }
      assert.equal(length, line.length);
      assert.equal(out.subarray(at, at + length).toString(), line);
      at += length;
    }
    assert.equal(at, out.length);
  });

  it('frames the same bytes once, whichever view of them is written', () => {
    const log = Buffer.from('{"cmd":"70","msg":"a"}\n{"cmd":"70","msg":"b"}\n');
    const whole = textFrames(log.subarray(0, log.length));
    assert.equal(textFrames(log.subarray(0, log.length)), whole);
    const run = textFrames(log.subarray(23));
    assert.notEqual(run, whole);
    assert.equal(run.subarray(2).toString(), '{"cmd":"70","msg":"b"}');
  });
});
