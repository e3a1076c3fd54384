import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameDecoder, type DecoderLimits } from '../../src/protocol/decoder.js';

type Event = { frame: unknown; text: string } | { error: string; detail: string };

/** Decodes each message as one whole message; returns what the decoder reported, in order. */
function decodeMessages(messages: string[], limits: DecoderLimits): Event[] {
  const events: Event[] = [];
  const decoder = new FrameDecoder(limits, {
    frame: (frame, text) => events.push({ frame, text }),
    error: (error, detail) => events.push({ error, detail }),
  });
  for (const message of messages) decoder.pushMessage(Buffer.from(message));
  return events;
}

const summary = (events: Event[]) =>
  events.map((e) => ('frame' in e ? e.frame : { error: e.error }));

describe('FrameDecoder.pushMessage: a whole message is one frame', () => {
  const limits = { maxFrameBytes: 64, maxDepth: 3 };

  it('decodes each message as one request, newlines and all', () => {
    const events = decodeMessages(['{"cmd":"4"}', ' {"cmd" :\n "7", "msg": "a\\nb"}\n'], limits);
    assert.deepEqual(summary(events), [{ cmd: '4' }, { cmd: '7', msg: 'a\nb' }]);
    assert.equal((events[1] as { text: string }).text, ' {"cmd" :\n "7", "msg": "a\\nb"}\n');
  });

  it('anything but exactly one JSON object is INVALID_JSON', () => {
    const events = decodeMessages(['{"cmd":"4"}{"cmd":"4"}', '', '[]', '"x"', '{"cmd":'], limits);
    assert.deepEqual(summary(events), Array(5).fill({ error: 'INVALID_JSON' }));
  });

  it('checks nesting (strings aside) and UTF-8 like the stream does', () => {
    const events = decodeMessages(['{"a":[[[1]]]}', '{"a":"[[[[[["}', '{"a":[[1]]}'], limits);
    assert.deepEqual(summary(events), [
      { error: 'NESTING_TOO_DEEP' },
      { a: '[[[[[[' },
      { a: [[1]] },
    ]);
    const bad: Event[] = [];
    const decoder = new FrameDecoder(limits, {
      frame: (frame, text) => bad.push({ frame, text }),
      error: (error, detail) => bad.push({ error, detail }),
    });
    decoder.pushMessage(Uint8Array.of(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d));
    assert.deepEqual(summary(bad), [{ error: 'INVALID_UTF8' }]);
  });

  it('a message over the frame limit is fatal: nothing after it is read', () => {
    const big = `{"pad":"${'x'.repeat(64)}"}`;
    const events = decodeMessages([big, '{"cmd":"4"}'], limits);
    assert.deepEqual(summary(events), [{ error: 'FRAME_TOO_LARGE' }]);
  });
});
