/**
 * A benchmark worker's receiving side: counts the deliveries in what its clients read, without
 * parsing JSON (see payload.ts), checks their order and records their latency.
 *
 * A delivery to a client with the history capability ends with the chat's room `seq` and `ts`
 * (docs/protocol.md, rule 12.2): `...","msg":"~<header><padding>","seq":S,"ts":T}`. With
 * `numbered` the receiver reads those too, from the text's closing quote (every chat's text has
 * the same length) to the `}` that ends the delivery, which nothing in the text contains; it
 * checks that each client's seqs rise. Without it only the fixed-width header is read.
 */
import type { Client } from './connect.js';
import { Histogram } from './histogram.js';
import {
  HEADER_BYTES,
  MARK,
  SENDER_DIGITS,
  SEQ_DIGITS,
  TIME_DIGITS,
  nowMicros,
  readDigits,
} from './payload.js';
import type { Numbering, WorkerStats } from './plan.js';

/** A sender of this worker, as its witness sees it: the client whose receipts bound its window. */
export interface Witnessed {
  readonly witness: Client | undefined;
  /** Messages of this sender seen by the witness, to bound what is in flight. */
  witnessed: number;
}

const CLOSE = 0x7d; // '}'
const QUOTE = 0x22; // '"'
const COMMA = 0x2c;
const COLON = 0x3a;
/** `","seq":`, from a numbered delivery's closing quote to its seq's first digit. */
const SEQ_KEY_BYTES = 8;
/** `,"ts":`, from the end of the seq to the ts's first digit. */
const TS_KEY_BYTES = 6;
/** The most a numbered delivery adds after its text: the keys, two numbers and the `}`. */
const NUMBERED_TAIL = SEQ_KEY_BYTES + 20 + TS_KEY_BYTES + 20 + 1;
/** What {@link Receiver.tail} says of a delivery whose bytes end before its `}`. */
const CUT = -1;

/** Whether `","seq":` is at `at` (the caller knows that it fits). */
const seqKeyAt = (b: Uint8Array, at: number) =>
  b[at] === QUOTE &&
  b[at + 1] === COMMA &&
  b[at + 2] === QUOTE &&
  b[at + 3] === 0x73 && // s
  b[at + 4] === 0x65 && // e
  b[at + 5] === 0x71 && // q
  b[at + 6] === QUOTE &&
  b[at + 7] === COLON;

/** Whether `,"ts":` is at `at` (the caller knows that it fits). */
const tsKeyAt = (b: Uint8Array, at: number) =>
  b[at] === COMMA &&
  b[at + 1] === QUOTE &&
  b[at + 2] === 0x74 && // t
  b[at + 3] === 0x73 && // s
  b[at + 4] === QUOTE &&
  b[at + 5] === COLON;

export class Receiver {
  readonly histogram = new Histogram();
  received = 0;
  deliveriesInWindow = 0;
  outOfOrder = 0;
  /** Deliveries older than one already seen from the same sender: repeats, or late ones. */
  belated = 0;
  /** Measurement window, in monotonic microseconds; deliveries are counted only inside it. */
  windowStart = Infinity;
  windowEnd = -Infinity;
  /** Set when a witness saw something: a sender's window may have room again. */
  private witnessDue = false;
  /** Bytes of a chat's text when deliveries are numbered; 0 when only the header is read. */
  private readonly textBytes: number;
  private readonly numbering: Numbering | undefined;

  /**
   * @param senders senders in the whole run
   * @param own this worker's senders by index (undefined for the other workers' senders)
   * @param onWitnessed called after a chunk in which a witness saw one of its sender's messages
   * @param numbered read each delivery's `seq` and `ts` too, given the bytes of a chat's text
   *   (every chat's, from its `~`)
   */
  constructor(
    private readonly senders: number,
    private readonly own: readonly (Witnessed | undefined)[],
    private readonly onWitnessed: (() => void) | undefined,
    numbered?: { textBytes: number },
  ) {
    this.textBytes = numbered ? Math.max(numbered.textBytes, HEADER_BYTES) : 0;
    this.numbering = numbered
      ? { numbered: 0, unnumbered: 0, seqOutOfOrder: 0, seqSkipped: 0 }
      : undefined;
  }

  /** How many bytes of a delivery a client keeps when a read cuts it (Client.partial). */
  static partialBytes(numbered?: { textBytes: number }): number {
    return numbered ? Math.max(numbered.textBytes, HEADER_BYTES) + NUMBERED_TAIL : HEADER_BYTES;
  }

  /**
   * Counts the deliveries in a chunk: finds each `~`, reads the sender, sequence and send time
   * (and when numbered, the seq and ts at the end), and checks the order. A delivery cut by the
   * read boundary is finished from the next chunk.
   */
  onData(client: Client, chunk: Buffer): void {
    const now = nowMicros();
    let pos = 0;
    if (client.partialLength > 0) {
      pos = this.finishPartial(client, chunk, now);
      if (pos < 0) return;
    }
    const length = chunk.length;
    const textBytes = this.textBytes;
    for (;;) {
      const at = chunk.indexOf(MARK, pos);
      if (at < 0) break;
      // Where the delivery's bytes that are read end: past its header, or past its `}`.
      const end = textBytes === 0 ? at + HEADER_BYTES : this.tail(chunk, at + textBytes, length);
      if (end === CUT || end > length) {
        if (length - at <= client.partial.length) {
          client.partial.set(chunk.subarray(at), 0);
          client.partialLength = length - at;
          break;
        }
        // Longer than any delivery and still no end: not numbered as the protocol says.
        this.roomSeq = -1;
        this.delivery(client, chunk, at, now);
        pos = at + HEADER_BYTES;
        continue;
      }
      this.delivery(client, chunk, at, now);
      pos = end;
    }
    if (this.witnessDue) {
      this.witnessDue = false;
      this.onWitnessed!();
    }
  }

  /** The room seq {@link tail} read last; -1 when the delivery had none. */
  private roomSeq = -1;

  /**
   * Reads a numbered delivery's end from its text's closing quote at `quote`, in one pass:
   * `","seq":S,"ts":T}`. Returns the index just past its `}`, and leaves the seq in `roomSeq`
   * (-1 for a delivery without one, such as `"}`); CUT when `buf` ends before the `}`.
   */
  private tail(buf: Uint8Array, quote: number, length: number): number {
    this.roomSeq = -1;
    if (quote + 2 > length) return CUT;
    if (buf[quote] === QUOTE && buf[quote + 1] === CLOSE) return quote + 2; // not numbered
    let i = quote + SEQ_KEY_BYTES;
    if (i > length) return CUT;
    if (!seqKeyAt(buf, quote)) return this.end(buf, quote, length);
    let seq = 0;
    const seqFrom = i;
    for (let d = buf[i]! - 0x30; d >= 0 && d <= 9; d = buf[++i]! - 0x30) seq = seq * 10 + d;
    if (i + TS_KEY_BYTES > length) return CUT;
    if (i === seqFrom || !tsKeyAt(buf, i)) return this.end(buf, quote, length);
    i += TS_KEY_BYTES;
    const tsFrom = i;
    for (let c = buf[i]!; c >= 0x30 && c <= 0x39; c = buf[++i]!);
    if (i >= length) return CUT;
    if (i === tsFrom || buf[i] !== CLOSE) return this.end(buf, quote, length);
    this.roomSeq = seq;
    return i + 1;
  }

  /** The end of a delivery numbered otherwise than the protocol says: past its `}`, or CUT. */
  private end(buf: Uint8Array, from: number, length: number): number {
    this.roomSeq = -1;
    const close = buf.indexOf(CLOSE, from);
    return close < 0 || close >= length ? CUT : close + 1;
  }

  /**
   * Completes the client's cut delivery from the start of `chunk`; returns where the scan goes
   * on in `chunk`, or -1 when the delivery is still not whole (the chunk is then kept too).
   */
  private finishPartial(client: Client, chunk: Buffer, now: number): number {
    const have = client.partialLength;
    const room = client.partial.length - have;
    let need: number;
    if (this.textBytes === 0) need = HEADER_BYTES - have;
    else {
      const close = chunk.indexOf(CLOSE, Math.max(0, this.textBytes - have));
      need = close < 0 ? Infinity : close + 1;
    }
    if (need <= chunk.length && need <= room) {
      client.partial.set(chunk.subarray(0, need), have);
      client.partialLength = 0;
      if (this.textBytes > 0) this.tail(client.partial, this.textBytes, have + need);
      this.delivery(client, client.partial, 0, now);
      return need;
    }
    if (chunk.length < room) {
      client.partial.set(chunk, have);
      client.partialLength += chunk.length;
      return -1;
    }
    // More than any delivery and still no end: count what there is, and scan on from here.
    client.partialLength = 0;
    this.roomSeq = -1;
    if (have >= HEADER_BYTES) this.delivery(client, client.partial, 0, now);
    return 0;
  }

  /**
   * One delivery whose `~` is at `at` in `buf`; when numbered, its room seq is in `roomSeq`
   * (read by {@link tail}).
   */
  private delivery(client: Client, buf: Uint8Array, at: number, now: number): void {
    const sender = readDigits(buf, at + 1, SENDER_DIGITS);
    const seq = readDigits(buf, at + 2 + SENDER_DIGITS, SEQ_DIGITS);
    if (!(sender < this.senders) || Number.isNaN(seq)) return; // not one of ours
    this.received++;
    const expected = client.next[sender]!;
    if (seq !== expected) this.outOfOrder++;
    if (seq < expected) this.belated++;
    if (seq >= expected) client.next[sender] = seq + 1;
    if (now >= this.windowStart && now <= this.windowEnd) {
      this.deliveriesInWindow++;
      const sentAt = readDigits(buf, at + 3 + SENDER_DIGITS + SEQ_DIGITS, TIME_DIGITS);
      if (sentAt >= this.windowStart) this.histogram.record(now - sentAt);
    }
    const own = this.own[sender];
    if (own && own.witness === client) {
      own.witnessed++;
      if (this.onWitnessed) this.witnessDue = true;
    }
    if (this.numbering) this.numbered(client, this.roomSeq, this.numbering);
  }

  /** Counts a delivery's room seq (-1: none) and checks that the client's seqs rise. */
  private numbered(client: Client, seq: number, n: Numbering): void {
    if (seq < 0) {
      n.unnumbered++;
      return;
    }
    n.numbered++;
    const last = client.roomSeq;
    if (seq <= last) {
      n.seqOutOfOrder++;
      return;
    }
    if (last > 0 && client.plan.sender < 0) n.seqSkipped += seq - last - 1;
    client.roomSeq = seq;
  }

  /** The counts so far, given how many deliveries were expected in all. */
  stats(expected: number, disconnects: number): WorkerStats {
    return {
      deliveriesInWindow: this.deliveriesInWindow,
      received: this.received,
      // A repeat must not hide a loss: only deliveries that moved a sender forward count.
      lost: Math.max(0, expected - (this.received - this.belated)),
      outOfOrder: this.outOfOrder,
      latency: this.histogram.counts,
      latencyMax: this.histogram.max,
      disconnects,
      numbering: this.numbering && { ...this.numbering },
    };
  }
}
