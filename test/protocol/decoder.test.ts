import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameDecoder, type DecoderLimits } from '../../src/protocol/decoder.js';
import type { ErrorName } from '../../src/protocol/errors.js';

type Event = { frame: unknown; text: string } | { error: ErrorName; detail: string };

const LIMITS: DecoderLimits = { maxFrameBytes: 64 * 1024, maxDepth: 32 };

/** Feeds `chunks` to a fresh decoder; returns what it reported, in order. */
function decode(chunks: Uint8Array[], limits: DecoderLimits = LIMITS): Event[] {
  const events: Event[] = [];
  const decoder = new FrameDecoder(limits, {
    frame: (frame, text) => events.push({ frame, text }),
    error: (error, detail) => events.push({ error, detail }),
  });
  for (const chunk of chunks) decoder.push(chunk);
  return events;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const frames = (events: Event[]): unknown[] =>
  events.map((e) => ('frame' in e ? e.frame : { error: e.error }));

/** Every split of `data` into two chunks, and the byte-by-byte split. */
function splits(data: Uint8Array): Uint8Array[][] {
  const result: Uint8Array[][] = [[data]];
  for (let i = 1; i < data.length; i++) result.push([data.subarray(0, i), data.subarray(i)]);
  result.push([...data].map((b) => Uint8Array.of(b)));
  return result;
}

describe('FrameDecoder', () => {
  it('decodes newline-delimited frames', () => {
    const events = decode([bytes('{"cmd":"4"}\n{"cmd":"1"}\n')]);
    assert.deepEqual(frames(events), [{ cmd: '4' }, { cmd: '1' }]);
  });

  it('decodes back-to-back objects with no delimiter (the seed client)', () => {
    const events = decode([bytes('{"cmd": "0", "nickname": "a"}{"cmd": "1"}{"cmd": "4"}')]);
    assert.deepEqual(frames(events), [{ cmd: '0', nickname: 'a' }, { cmd: '1' }, { cmd: '4' }]);
  });

  it('accepts any JSON whitespace between and inside frames', () => {
    const events = decode([bytes(' \r\n\t{ "cmd" :\n "7", "msg": "x" }\r\n\n  {"cmd":"4"}   ')]);
    assert.deepEqual(frames(events), [{ cmd: '7', msg: 'x' }, { cmd: '4' }]);
  });

  it('gives the same frames for every split of the stream, byte by byte included', () => {
    const wire = bytes(
      '{"cmd":"7","msg":"안녕하세요 {not} [a] \\"frame\\" \\\\"}{"cmd":"6","beginTime":{"a":[1,{"b":2}]}}\n' +
        '{"cmd":"2","to":"😀","msg":"é\\u00e9\\n"}',
    );
    const expected = [
      { cmd: '7', msg: '안녕하세요 {not} [a] "frame" \\' },
      { cmd: '6', beginTime: { a: [1, { b: 2 }] } },
      { cmd: '2', to: '😀', msg: 'éé\n' },
    ];
    for (const chunks of splits(wire)) assert.deepEqual(frames(decode(chunks)), expected);
  });

  it('keeps multi-byte UTF-8 split across chunks intact, with exact source text', () => {
    const text = '{"msg":"한국어 텍스트"}';
    const data = bytes(text);
    // The first Korean character is 3 bytes at offset 8: split inside it.
    const events = decode([data.subarray(0, 9), data.subarray(9, 10), data.subarray(10)]);
    assert.deepEqual(events, [{ frame: { msg: '한국어 텍스트' }, text }]);
  });

  it('reports text before a frame as INVALID_JSON once, and resumes at the next frame', () => {
    const events = decode([bytes('hello world\n{"cmd":"4"}xyz{"cmd":"1"}')]);
    assert.deepEqual(frames(events), [
      { error: 'INVALID_JSON' },
      { cmd: '4' },
      { error: 'INVALID_JSON' },
      { cmd: '1' },
    ]);
  });

  it('reports a top-level array or value as INVALID_JSON', () => {
    const events = decode([bytes('[1,2]\n"str"\n42\n{"cmd":"4"}')]);
    assert.deepEqual(frames(events), [
      { error: 'INVALID_JSON' },
      { error: 'INVALID_JSON' },
      { error: 'INVALID_JSON' },
      { cmd: '4' },
    ]);
  });

  it('reports an object with bad syntax as INVALID_JSON and continues after it', () => {
    const events = decode([bytes('{"cmd": 7,}{cmd:"4"}{"cmd":"4"}')]);
    assert.deepEqual(frames(events), [
      { error: 'INVALID_JSON' },
      { error: 'INVALID_JSON' },
      { cmd: '4' },
    ]);
  });

  it('resynchronises at a raw newline inside a string (a broken line)', () => {
    const events = decode([bytes('{"cmd":"7","msg":"unterminated\n{"cmd":"4"}\n')]);
    assert.deepEqual(frames(events), [{ error: 'INVALID_JSON' }, { cmd: '4' }]);
  });

  it('reports a line that lost its closing brace at once, and keeps the lines after it', () => {
    const wire = bytes('{"cmd":"7","msg":"x"\n{"cmd":"4"}\n{"cmd":"1"}\n');
    for (const chunks of splits(wire)) {
      assert.deepEqual(frames(decode(chunks)), [
        { error: 'INVALID_JSON' },
        { cmd: '4' },
        { cmd: '1' },
      ]);
    }
    // Back to back, too: a new object cannot start after a value.
    assert.deepEqual(frames(decode([bytes('{"a":1{"cmd":"4"}')])), [
      { error: 'INVALID_JSON' },
      { cmd: '4' },
    ]);
    // A string or array where none can be: dropped up to the next line.
    assert.deepEqual(frames(decode([bytes('{"a" "b"}\n{"cmd":"4"}')])), [
      { error: 'INVALID_JSON' },
      { cmd: '4' },
    ]);
    assert.deepEqual(frames(decode([bytes('{"a":1 [2]}\n{"cmd":"4"}')])), [
      { error: 'INVALID_JSON' },
      { cmd: '4' },
    ]);
  });

  it('treats a backslash before a raw newline as a broken line too', () => {
    const events = decode([bytes('{"cmd":"7","msg":"x\\\n{"cmd":"4"}\n')]);
    assert.deepEqual(frames(events), [{ error: 'INVALID_JSON' }, { cmd: '4' }]);
  });

  it('reports invalid UTF-8 as INVALID_UTF8 and continues', () => {
    const bad = Uint8Array.of(...bytes('{"msg":"'), 0xff, 0xfe, ...bytes('"}{"cmd":"4"}'));
    const overlong = Uint8Array.of(...bytes('{"msg":"'), 0xc0, 0xaf, ...bytes('"}'));
    assert.deepEqual(frames(decode([bad])), [{ error: 'INVALID_UTF8' }, { cmd: '4' }]);
    assert.deepEqual(frames(decode([overlong])), [{ error: 'INVALID_UTF8' }]);
  });

  it('fails FRAME_TOO_LARGE as soon as a frame passes the limit, then ignores input', () => {
    const limits = { maxFrameBytes: 32, maxDepth: 32 };
    const exact = '{"msg":"' + 'x'.repeat(32 - 10) + '"}';
    assert.equal(bytes(exact).length, 32);
    assert.deepEqual(frames(decode([bytes(exact)], limits)), [{ msg: 'x'.repeat(22) }]);
    // One byte more, never closed: reported while the frame is still arriving.
    const over = decode(
      [bytes('{"msg":"' + 'x'.repeat(23)), bytes('more'), bytes('{"cmd":"4"}')],
      limits,
    );
    assert.deepEqual(frames(over), [{ error: 'FRAME_TOO_LARGE' }]);
    // Byte by byte, the same.
    const slow = decode(
      [...bytes('{"msg":"' + 'y'.repeat(40) + '"}{"cmd":"4"}')].map((b) => Uint8Array.of(b)),
      limits,
    );
    assert.deepEqual(frames(slow), [{ error: 'FRAME_TOO_LARGE' }]);
  });

  it('does not count whitespace between frames against the frame limit', () => {
    const limits = { maxFrameBytes: 16, maxDepth: 32 };
    const events = decode(
      [bytes(' '.repeat(1000) + '{"cmd":"4"}' + '\n'.repeat(1000) + '{"cmd":"1"}')],
      limits,
    );
    assert.deepEqual(frames(events), [{ cmd: '4' }, { cmd: '1' }]);
  });

  it('reports nesting deeper than maxDepth as NESTING_TOO_DEEP and continues', () => {
    const limits = { maxFrameBytes: 1 << 20, maxDepth: 4 };
    const ok = '{"a":[{"b":[1]}]}'; // depth 4
    const deep = '{"a":[{"b":[[1]]}]}'; // depth 5
    assert.deepEqual(frames(decode([bytes(ok + deep + '{"cmd":"4"}')], limits)), [
      { a: [{ b: [1] }] },
      { error: 'NESTING_TOO_DEEP' },
      { cmd: '4' },
    ]);
  });

  it('ignores brackets and braces inside strings, escaped quotes included', () => {
    const text = '{"msg":"}}]]\\"{{[["}';
    assert.deepEqual(frames(decode([bytes(text + '{"cmd":"4"}')])), [
      { msg: '}}]]"{{[[' },
      { cmd: '4' },
    ]);
  });

  it('keeps __proto__ as a plain key (no prototype pollution)', () => {
    const [event] = decode([bytes('{"cmd":"7","__proto__":{"polluted":true},"constructor":1}')]);
    assert.ok(event && 'frame' in event);
    const frame = event.frame as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(frame), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.ok(Object.hasOwn(frame, '__proto__'));
  });

  it('end() reports the bytes of an unfinished frame and discards them', () => {
    const events: Event[] = [];
    const decoder = new FrameDecoder(LIMITS, {
      frame: (frame, text) => events.push({ frame, text }),
      error: (error, detail) => events.push({ error, detail }),
    });
    const partial = '{"cmd":"7","msg":"cut';
    decoder.push(bytes('{"cmd":"4"}' + partial));
    assert.equal(decoder.end(), bytes(partial).length);
    decoder.push(bytes('{"cmd":"1"}'));
    assert.deepEqual(frames(events), [{ cmd: '4' }, { cmd: '1' }]);
  });

  it('stop() ignores everything after it, even mid-chunk', () => {
    const events: unknown[] = [];
    const decoder: FrameDecoder = new FrameDecoder(LIMITS, {
      frame: (frame) => {
        events.push(frame);
        decoder.stop();
      },
      error: () => events.push('error'),
    });
    decoder.push(bytes('{"cmd":"3"}{"cmd":"4"}garbage'));
    assert.deepEqual(events, [{ cmd: '3' }]);
  });
});
