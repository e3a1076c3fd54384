/**
 * The chat payload the benchmark sends: `~SSSS:QQQQQQQQQQ:TTTTTTTTTTTTTT:` then padding, where
 * S is the sender's index, Q its sequence number and T the send time in microseconds of the
 * system's monotonic clock (comparable across threads and processes on one machine). Receivers
 * find each delivery by its `~`, which nothing else on the wire contains, and read the fixed-width
 * fields without parsing JSON.
 */
export const MARK = 0x7e; // '~'
export const SENDER_DIGITS = 4;
export const SEQ_DIGITS = 10;
export const TIME_DIGITS = 14;
/** Bytes from the `~` to the end of the header. */
export const HEADER_BYTES = 1 + SENDER_DIGITS + 1 + SEQ_DIGITS + 1 + TIME_DIGITS + 1;

/** Microseconds on the system's monotonic clock. */
export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Writes `value` as `width` decimal digits into `buf` at `at`. */
export function writeDigits(buf: Uint8Array, at: number, width: number, value: number): void {
  for (let i = at + width - 1; i >= at; i--) {
    buf[i] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
}

/** Reads `width` decimal digits from `buf` at `at`; NaN when they are not digits. */
export function readDigits(buf: Uint8Array, at: number, width: number): number {
  let value = 0;
  for (let i = at; i < at + width; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return NaN;
    value = value * 10 + d;
  }
  return value;
}

/**
 * A CHAT request frame whose `msg` is exactly `msgSize` bytes (at least the header), with the
 * offset of its `~` so the fields can be written in place.
 */
export function chatTemplate(
  msgSize: number,
  newline: boolean,
): { frame: Uint8Array; mark: number } {
  const size = Math.max(msgSize, HEADER_BYTES);
  const head = '{"cmd":"7","msg":"';
  const text =
    head +
    '~' +
    '0'.repeat(HEADER_BYTES - 1) +
    'x'.repeat(size - HEADER_BYTES) +
    '"}' +
    (newline ? '\n' : '');
  const frame = new TextEncoder().encode(text);
  const mark = head.length;
  // The separators between the fields.
  frame[mark + 1 + SENDER_DIGITS] = 0x3a;
  frame[mark + 2 + SENDER_DIGITS + SEQ_DIGITS] = 0x3a;
  frame[mark + 3 + SENDER_DIGITS + SEQ_DIGITS + TIME_DIGITS] = 0x3a;
  return { frame, mark };
}
