import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FrameReader,
  OPCODE_PING,
  OPCODE_TEXT,
  maskFrame,
  maskFrames,
} from '../../src/bench/ws-frames.js';
import { textFrames } from '../../src/transport/text-frames.js';

/** Reads `bytes` in chunks of `size`; the data payloads run together, and the frames aside. */
function readInChunks(bytes: Uint8Array, size: number, engineIo = false) {
  const aside: [number, string][] = [];
  const reader = new FrameReader(
    (opcode, payload) => aside.push([opcode, payload.toString()]),
    engineIo,
  );
  let data = '';
  for (let at = 0; at < bytes.length; at += size) {
    // A copy: the reader moves payloads within the chunk it is given.
    const chunk = Buffer.from(bytes.subarray(at, at + size));
    data += Buffer.from(reader.read(chunk)).toString();
  }
  return { data, aside };
}

/** The payload of one masked frame, unmasked. */
function unmask(frame: Uint8Array): { opcode: number; payload: string } {
  assert.ok(frame[1]! & 0x80, 'a client masks');
  const short = frame[1]! & 0x7f;
  const head = short === 126 ? 4 : short === 127 ? 10 : 2;
  const key = frame.subarray(head, head + 4);
  const payload = Buffer.from(frame.subarray(head + 4)).map((b, i) => b ^ key[i % 4]!);
  return { opcode: frame[0]! & 0x0f, payload: payload.toString() };
}

describe('the load generator’s WebSocket frames', () => {
  it('reads a server’s frames cut anywhere: the payloads run together, headers left out', () => {
    const lines = [
      '{"cmd":"70","msg":"~0001"}',
      'x'.repeat(200),
      '{"cmd":"8"}',
      'y'.repeat(70_000),
    ];
    const framed = textFrames(Buffer.from(lines.join('\n') + '\n'));
    for (const size of [1, 2, 3, 7, 130, 4096, framed.length]) {
      const { data, aside } = readInChunks(framed, size);
      assert.equal(data, lines.join(''), `chunks of ${size}`);
      assert.deepEqual(aside, []);
    }
  });

  it('for a scan, leaves chunks of short data frames as they are, every mark whole', () => {
    const chats = Array.from({ length: 40 }, (_, i) => `{"msg":"~${String(i).padStart(4, '0')}"}`);
    // A long frame (a 4-byte header, whose second byte is 126: "~") among short ones.
    chats.splice(20, 0, `{"msg":"${'z'.repeat(300)}"}`);
    const framed = textFrames(Buffer.from(chats.join('\n') + '\n'));
    const expected = chats.join('').match(/~\d{4}/g);
    for (const size of [1, 2, 3, 17, 64, 500, framed.length]) {
      const reader = new FrameReader(() => assert.fail('no frame is aside'), false);
      let scanned = '';
      let untouched = 0;
      for (let at = 0; at < framed.length; at += size) {
        const chunk = Buffer.from(framed.subarray(at, at + size));
        const bytes = reader.read(chunk, true);
        if (bytes === chunk) untouched++;
        // Chunks are scanned one by one; a mark cut by a chunk's end is finished from the next.
        scanned += Buffer.from(bytes).toString('latin1');
      }
      assert.deepEqual(scanned.match(/~\d{4}/g), expected, `chunks of ${size}`);
      if (size >= 17 && size < framed.length) assert.ok(untouched > 0, 'short frames stay');
    }
  });

  it('hands control frames and Engine.IO’s one-byte packets aside', () => {
    const ping = Buffer.from([0x89, 0x02, 0x68, 0x69]); // ping "hi"
    const bytes = Buffer.concat([
      textFrames(Buffer.from('2\n42["chat","a"]\n')),
      ping,
      textFrames(Buffer.from('42["chat","b"]\n')),
    ]);
    for (const size of [1, 5, bytes.length]) {
      const engineIo = readInChunks(bytes, size, true);
      const scanning = new FrameReader(() => undefined, true);
      assert.notEqual(scanning.read(Buffer.from(bytes), true).length, bytes.length);
      assert.equal(engineIo.data, '42["chat","a"]42["chat","b"]');
      assert.deepEqual(engineIo.aside, [
        [OPCODE_TEXT, '2'],
        [OPCODE_PING, 'hi'],
      ]);
    }
    assert.equal(readInChunks(bytes, 3, false).data, '242["chat","a"]42["chat","b"]');
  });

  it('masks every frame with a key of its own', () => {
    const payloads = Buffer.from('a'.repeat(130) + 'b'.repeat(130));
    const out = maskFrames(payloads, 130, 2);
    const each = out.length / 2;
    assert.equal(each, 4 + 4 + 130);
    const first = unmask(out.subarray(0, each));
    const second = unmask(out.subarray(each));
    assert.deepEqual(first, { opcode: OPCODE_TEXT, payload: 'a'.repeat(130) });
    assert.deepEqual(second, { opcode: OPCODE_TEXT, payload: 'b'.repeat(130) });
    assert.notDeepEqual(out.subarray(4, 8), out.subarray(each + 4, each + 8));
    assert.deepEqual(unmask(maskFrame(Buffer.from('3'))), { opcode: OPCODE_TEXT, payload: '3' });
  });
});
