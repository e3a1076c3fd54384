/**
 * The load generator's WebSocket framing (RFC 6455, client side): masked frames out, and the
 * server's frames read without a parser per message. A server's frames are not masked, so their
 * payloads are the bytes on the wire: the reader only steps over the frame headers, moving the
 * payloads together in the read buffer, and the receiver then scans them as it scans a TCP
 * stream. Control frames, and with Engine.IO its one-byte packets (a ping is the text "2"), are
 * handed to a callback instead.
 *
 * For the receiver's scan (`read(chunk, true)`), a chunk of nothing but data frames under 126
 * bytes is left as it is: their headers are two bytes, a flag byte and a length under 126, so
 * neither can be taken for the `~` (126) that marks a delivery, and a delivery's header never
 * spans two frames. Only the frames' boundaries are followed; nothing is copied.
 */
import { randomFillSync } from 'node:crypto';

export const OPCODE_TEXT = 0x1;
export const OPCODE_CLOSE = 0x8;
export const OPCODE_PING = 0x9;
export const OPCODE_PONG = 0xa;

/** Random bytes for mask keys, refilled as they run out: a fresh key for every frame. */
const keys = new Uint8Array(16 * 1024);
let keysAt = keys.length;

/** Bytes of a masked frame's header for a payload of `length` bytes. */
function headerBytes(length: number): number {
  return (length < 126 ? 2 : length < 65536 ? 4 : 10) + 4;
}

/**
 * Frames `count` payloads of `each` bytes, back to back in `payloads`, as masked frames of
 * `opcode` (text by default), each with its own random mask key.
 */
export function maskFrames(
  payloads: Uint8Array,
  each: number,
  count: number,
  opcode = OPCODE_TEXT,
): Uint8Array {
  const head = headerBytes(each);
  const out = new Uint8Array((head + each) * count);
  for (let i = 0; i < count; i++) {
    let o = i * (head + each);
    out[o++] = 0x80 | opcode; // FIN
    if (each < 126) out[o++] = 0x80 | each;
    else if (each < 65536) {
      out[o++] = 0x80 | 126;
      out[o++] = each >>> 8;
      out[o++] = each & 0xff;
    } else {
      out[o++] = 0x80 | 127;
      o += 4; // the high 32 bits of the length: zero
      out[o++] = each >>> 24;
      out[o++] = (each >>> 16) & 0xff;
      out[o++] = (each >>> 8) & 0xff;
      out[o++] = each & 0xff;
    }
    if (keysAt + 4 > keys.length) {
      randomFillSync(keys);
      keysAt = 0;
    }
    const k0 = keys[keysAt]!;
    const k1 = keys[keysAt + 1]!;
    const k2 = keys[keysAt + 2]!;
    const k3 = keys[keysAt + 3]!;
    keysAt += 4;
    out[o++] = k0;
    out[o++] = k1;
    out[o++] = k2;
    out[o++] = k3;
    const from = i * each;
    for (let j = 0; j < each; j += 4) {
      out[o + j] = payloads[from + j]! ^ k0;
      if (j + 1 < each) out[o + j + 1] = payloads[from + j + 1]! ^ k1;
      if (j + 2 < each) out[o + j + 2] = payloads[from + j + 2]! ^ k2;
      if (j + 3 < each) out[o + j + 3] = payloads[from + j + 3]! ^ k3;
    }
  }
  return out;
}

/** One message as a masked frame. */
export function maskFrame(payload: Uint8Array, opcode = OPCODE_TEXT): Uint8Array {
  return maskFrames(payload, payload.length, 1, opcode);
}

/**
 * What a server's frames hand over besides data: a control frame (close, ping, pong), or with
 * Engine.IO a text frame of at most one byte (its ping, noop...), with its whole payload.
 */
export type FrameCallback = (opcode: number, payload: Buffer) => void;

/** Reads a server's frames from the bytes of one connection, chunk by chunk. */
export class FrameReader {
  private readonly header = new Uint8Array(10);
  private headerLength = 0;
  /** Payload bytes of the current frame still to come. */
  private remaining = 0;
  /** The current frame is handed to the callback whole (not data). */
  private aside = false;
  private opcode = 0;
  private asideBytes: number[] = [];
  private failed = false;

  /**
   * @param onFrame told of every frame that is not data
   * @param engineIo text frames of at most one byte are Engine.IO packets: not data
   */
  constructor(
    private readonly onFrame: FrameCallback,
    private readonly engineIo: boolean,
  ) {}

  /**
   * The data payloads in `chunk`, moved together to its start (in place): the returned bytes
   * are a view of `chunk`. Frame headers and the frames handed aside are left out, except with
   * `scan`, where `chunk` may come back as it is (see above).
   */
  read(chunk: Uint8Array, scan = false): Uint8Array {
    if (scan && !this.aside && this.headerLength === 0 && this.onlyShortData(chunk)) return chunk;
    let r = 0;
    let w = 0;
    const length = chunk.length;
    while (r < length && !this.failed) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, length - r);
        if (this.aside) {
          for (let i = r; i < r + n; i++) this.asideBytes.push(chunk[i]!);
        } else {
          if (w !== r) chunk.copyWithin(w, r, r + n);
          w += n;
        }
        r += n;
        this.remaining -= n;
        if (this.remaining === 0 && this.aside) this.handAside();
        continue;
      }
      // A header, possibly cut by the chunk's end.
      const header = this.header;
      while (this.headerLength < 2 && r < length) header[this.headerLength++] = chunk[r++]!;
      if (this.headerLength < 2) break;
      const short = header[1]! & 0x7f;
      const need = short === 126 ? 4 : short === 127 ? 10 : 2;
      while (this.headerLength < need && r < length) header[this.headerLength++] = chunk[r++]!;
      if (this.headerLength < need) break;
      this.headerLength = 0;
      if (header[1]! & 0x80) {
        // A server never masks: this is no WebSocket server we can read.
        this.failed = true;
        this.onFrame(OPCODE_CLOSE, Buffer.alloc(0));
        break;
      }
      let payload = short;
      if (short === 126) payload = (header[2]! << 8) | header[3]!;
      else if (short === 127)
        payload = header[6]! * 2 ** 24 + ((header[7]! << 16) | (header[8]! << 8) | header[9]!);
      this.opcode = header[0]! & 0x0f;
      this.aside =
        this.opcode >= 0x8 || (this.engineIo && this.opcode === OPCODE_TEXT && payload <= 1);
      this.remaining = payload;
      if (this.aside && payload === 0) this.handAside();
    }
    return chunk.subarray(0, w);
  }

  /**
   * Whether every frame that begins in `chunk` is a data frame under 126 bytes with its whole
   * header in it; if so, it follows them to the end of the chunk.
   */
  private onlyShortData(chunk: Uint8Array): boolean {
    const length = chunk.length;
    let r = this.remaining;
    while (r < length) {
      if (r + 1 === length) return false; // a header cut in two
      const short = chunk[r + 1]!; // also 128 and more when masked
      const opcode = chunk[r]! & 0x0f;
      if (short >= 126 || opcode >= 0x8) return false;
      if (this.engineIo && opcode === OPCODE_TEXT && short <= 1) return false;
      r += 2 + short;
    }
    this.remaining = r - length;
    return true;
  }

  private handAside(): void {
    const payload = Buffer.from(this.asideBytes);
    this.asideBytes = [];
    this.aside = false;
    this.onFrame(this.opcode, payload);
  }
}
