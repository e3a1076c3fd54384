import type { ErrorName } from './errors.js';

/** Limits the decoder enforces while it scans (docs/protocol.md, rules 2.3-2.6). */
export interface DecoderLimits {
  /** Largest frame, in bytes from its `{` to its `}`, before FRAME_TOO_LARGE (fatal). */
  readonly maxFrameBytes: number;
  /** Deepest nesting of objects and arrays before NESTING_TOO_DEEP. */
  readonly maxDepth: number;
}

/** Receives what the decoder finds, in stream order. */
export interface DecoderSink {
  /** A complete frame that parsed as a JSON object. `text` is its exact source. */
  frame(value: Record<string, unknown>, text: string): void;
  /**
   * A frame, or a run of bytes between frames, that could not be decoded. After a fatal error
   * (FRAME_TOO_LARGE) the decoder ignores all further input.
   */
  error(name: ErrorName, detail: string): void;
}

// Scanner states.
const TOP = 0; // between frames
const OBJECT = 1; // inside a frame, outside any string
const STRING = 2; // inside a string
const ESCAPE = 3; // just after a backslash inside a string
const GARBAGE = 4; // skipping bytes that cannot start a frame, up to the next `\n` or `{`
const FAILED = 5; // a fatal error happened; input is ignored

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const EMPTY = new Uint8Array(0);

/**
 * One strict UTF-8 decoder for every connection: it only ever decodes whole frames, so it keeps
 * no state between calls, and a converter per connection would cost memory for nothing.
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * An incremental decoder for a stream of JSON objects (rule 2.1).
 *
 * Frames may be separated by newlines, by any JSON whitespace, or by nothing at all (the seed's
 * client writes objects back to back). The decoder finds where each object ends by tracking
 * nesting and strings byte by byte, so any split of the input into chunks, including inside a
 * multi-byte UTF-8 character, yields the same frames. It holds at most one partial frame, never
 * more than `maxFrameBytes`.
 *
 * It does no I/O: feed it with {@link FrameDecoder.push} and it calls the sink synchronously.
 */
export class FrameDecoder {
  private state = TOP;
  private depth = 0;
  /** The last byte of the frame outside strings and whitespace (a string counts as its `"`). */
  private last = 0;
  private tooDeep = false;
  /** Bytes of the current frame carried over from earlier chunks. */
  private carried: Uint8Array[] = [];
  private carriedBytes = 0;

  constructor(
    private readonly limits: DecoderLimits,
    private readonly sink: DecoderSink,
  ) {}

  /** Feeds the next chunk of the byte stream. */
  push(chunk: Uint8Array): void {
    let state = this.state;
    if (state === FAILED) return;
    const { maxFrameBytes, maxDepth } = this.limits;
    let depth = this.depth;
    let last = this.last;
    // Start of the current frame within this chunk (0 when it began in an earlier chunk).
    let start = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i]!;
      switch (state) {
        case TOP:
          if (b === OPEN_BRACE) {
            state = OBJECT;
            depth = 1;
            last = b;
            start = i;
          } else if (b !== LF && b !== SPACE && b !== CR && b !== TAB) {
            state = GARBAGE;
            this.sink.error('INVALID_JSON', 'expected a JSON object');
            if (this.state === FAILED) return;
          }
          continue;
        case GARBAGE:
          if (b === LF) state = TOP;
          else if (b === OPEN_BRACE) {
            state = OBJECT;
            depth = 1;
            last = b;
            start = i;
          }
          continue;
        case STRING:
        case ESCAPE:
          if (b === LF) {
            // A raw newline can never be inside a valid JSON string: the frame is broken.
            // Resynchronise after it, so a newline-delimited client recovers at its next line.
            this.dropFrame();
            state = TOP;
            this.sink.error('INVALID_JSON', 'unterminated string');
            if (this.state === FAILED) return;
            continue;
          }
          if (state === ESCAPE) state = STRING;
          else if (b === QUOTE) {
            state = OBJECT;
            last = QUOTE;
          } else if (b === BACKSLASH) state = ESCAPE;
          break;
        default: // OBJECT
          if (b === QUOTE || b === OPEN_BRACE || b === OPEN_BRACKET) {
            // Where a string, object or array may begin: anything else means this frame is
            // broken, typically a line that lost its closing brace. Report it now rather than
            // swallow the lines after it; a `{` starts the next frame.
            const allowed =
              b === QUOTE ? last === OPEN_BRACE || opensValue(last) : opensValue(last);
            if (!allowed) {
              this.dropFrame();
              this.sink.error(
                'INVALID_JSON',
                `unexpected ${String.fromCharCode(b)}: the frame is incomplete`,
              );
              if (this.state === FAILED) return;
              if (b === OPEN_BRACE) {
                depth = 1;
                last = b;
                start = i;
              } else state = GARBAGE;
              continue;
            }
            if (b === QUOTE) state = STRING;
            else if (++depth > maxDepth) this.tooDeep = true;
            last = b;
          } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
            if (--depth === 0) {
              state = TOP;
              const size = this.carriedBytes + (i + 1 - start);
              if (size > maxFrameBytes) return this.fail(size);
              this.depth = 0;
              this.state = TOP;
              this.emit(chunk.subarray(start, i + 1));
              if (this.state === FAILED) return;
            }
            last = b;
          } else if (b !== SPACE && b !== LF && b !== CR && b !== TAB) last = b;
      }
      // Still inside a frame: enforce the size limit as the bytes arrive.
      if (this.carriedBytes + (i + 1 - start) > maxFrameBytes) {
        return this.fail(this.carriedBytes + (i + 1 - start));
      }
    }
    if (state === OBJECT || state === STRING || state === ESCAPE) {
      // Carry the partial frame over to the next chunk. Copy: the caller may reuse the chunk.
      this.carried.push(chunk.slice(start));
      this.carriedBytes += n - start;
    }
    this.state = state;
    this.depth = depth;
    this.last = last;
  }

  /**
   * Decodes one whole message as one frame, for transports whose messages are frames already
   * (a WebSocket text message): the same limits and errors as the byte stream, without looking
   * for frame boundaries. Anything but exactly one JSON object is INVALID_JSON.
   */
  pushMessage(message: Uint8Array): void {
    if (this.state === FAILED) return;
    if (message.length > this.limits.maxFrameBytes) return this.fail(message.length);
    this.tooDeep = nestsDeeper(message, this.limits.maxDepth);
    this.emit(message);
  }

  /** Ignores all further input (the connection is closing). */
  stop(): void {
    this.dropFrame();
    this.state = FAILED;
  }

  /**
   * Bytes of a frame that was still incomplete, if any (a peer that disconnects mid-frame).
   * The partial frame is discarded: an incomplete request is never executed (rule 2.7).
   */
  end(): number {
    const pending = this.carriedBytes;
    this.dropFrame();
    this.state = TOP;
    return pending;
  }

  private emit(tail: Uint8Array): void {
    let bytes = tail;
    if (this.carriedBytes > 0) {
      this.carried.push(tail);
      bytes = concat(this.carried, this.carriedBytes + tail.length);
    }
    const tooDeep = this.tooDeep;
    this.dropFrame();
    if (tooDeep) {
      this.sink.error('NESTING_TOO_DEEP', `nesting deeper than ${this.limits.maxDepth}`);
      return;
    }
    let text: string;
    try {
      text = UTF8.decode(bytes);
    } catch {
      this.sink.error('INVALID_UTF8', 'the frame is not valid UTF-8');
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.sink.error('INVALID_JSON', (err as Error).message);
      return;
    }
    // The scanner only starts frames at `{`, but `{} ]` style mismatches can still parse to
    // something else; only plain objects are frames.
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.sink.error('INVALID_JSON', 'expected a JSON object');
      return;
    }
    this.sink.frame(value as Record<string, unknown>, text);
  }

  private dropFrame(): void {
    this.carried = [];
    this.carriedBytes = 0;
    this.tooDeep = false;
    this.depth = 0;
  }

  private fail(size: number): void {
    this.dropFrame();
    this.state = FAILED;
    this.sink.error(
      'FRAME_TOO_LARGE',
      `frame of at least ${size} bytes exceeds the limit of ${this.limits.maxFrameBytes} bytes`,
    );
  }
}

const COLON = 0x3a;
const COMMA = 0x2c;

/** True when a value (object, array or string) may follow `last` inside a frame. */
function opensValue(last: number): boolean {
  return last === COLON || last === COMMA || last === OPEN_BRACKET;
}

/** True when `bytes` nest objects and arrays deeper than `max`, strings aside. */
function nestsDeeper(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
  }
  return false;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0] ?? EMPTY;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
