/**
 * The core's NDJSON writes as WebSocket text frames (RFC 6455): one frame per line, without its
 * newline. A server does not mask, so a frame is a header (2, 4 or 10 bytes) and the line's bytes.
 *
 * A room's buffer of the turn is written to every member, each through a view of its own (the
 * outbox's slice of the log), so what was framed is kept by the memory it views: the same bytes
 * of the same buffer are framed once for all members. What the core has written is never changed
 * afterwards (a stream holds on to it), so the same region always holds the same frames.
 */

const NEWLINE = 0x0a;
const FIN_TEXT = 0x81;
/** Regions of one buffer kept framed: the whole turn's log and a few runs of it. */
const KEPT_PER_BUFFER = 4;

interface Framed {
  readonly offset: number;
  readonly length: number;
  readonly frames: Buffer;
}

/** Framed regions by the memory they view; forgotten with it. */
const framed = new WeakMap<ArrayBufferLike, Framed[]>();

/** Line ends of the write being framed (reused: framing is synchronous). */
let ends = new Int32Array(1024);

/** `data`'s lines as text frames, in one buffer. */
export function textFrames(data: Uint8Array): Buffer {
  const kept = framed.get(data.buffer);
  if (kept) {
    for (const f of kept)
      if (f.offset === data.byteOffset && f.length === data.length) return f.frames;
  }
  const frames = frame(Buffer.from(data.buffer, data.byteOffset, data.length));
  const entry = { offset: data.byteOffset, length: data.length, frames };
  if (!kept) framed.set(data.buffer, [entry]);
  else {
    if (kept.length >= KEPT_PER_BUFFER) kept.shift();
    kept.push(entry);
  }
  return frames;
}

function frame(src: Buffer): Buffer {
  let lines = 0;
  let total = 0;
  for (let start = 0; start < src.length;) {
    let end = src.indexOf(NEWLINE, start);
    if (end < 0) end = src.length;
    const length = end - start;
    if (lines === ends.length) {
      const more = new Int32Array(ends.length * 2);
      more.set(ends);
      ends = more;
    }
    ends[lines++] = end;
    if (length > 0) total += (length < 126 ? 2 : length < 65536 ? 4 : 10) + length;
    start = end + 1;
  }
  const out = Buffer.allocUnsafe(total);
  let o = 0;
  let start = 0;
  for (let i = 0; i < lines; i++) {
    const end = ends[i]!;
    const length = end - start;
    if (length > 0) {
      out[o++] = FIN_TEXT;
      if (length < 126) out[o++] = length;
      else if (length < 65536) {
        out[o++] = 126;
        out[o++] = length >>> 8;
        out[o++] = length & 0xff;
      } else {
        out[o++] = 127;
        out.writeBigUInt64BE(BigInt(length), o);
        o += 8;
      }
      o += src.copy(out, o, start, end);
    }
    start = end + 1;
  }
  return out;
}
