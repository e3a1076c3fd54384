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
/** From a numbered delivery's closing quote to its seq's first digit. */
const SEQ_KEY = Buffer.from('","seq":', 'latin1');
/** From the end of the seq to the ts's first digit. */
const TS_KEY = Buffer.from(',"ts":', 'latin1');
/** The most a numbered delivery adds after its text: the keys, two numbers and the `}`. */
const NUMBERED_TAIL = SEQ_KEY.length + 20 + TS_KEY.length + 20 + 1;

/** Whether `key` is in `buf` at `at`, wholly before `end`. */
function matches(buf: Uint8Array, at: number, end: number, key: Uint8Array): boolean {
  if (at + key.length > end) return false;
  for (let i = 0; i < key.length; i++) if (buf[at + i] !== key[i]) return false;
  return true;
}

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
      const end = textBytes === 0 ? at + HEADER_BYTES : chunk.indexOf(CLOSE, at + textBytes) + 1;
      if (end <= 0 || end > length) {
        if (length - at <= client.partial.length) {
          client.partial.set(chunk.subarray(at), 0);
          client.partialLength = length - at;
          break;
        }
        // Longer than any delivery and still no end: not numbered as the protocol says.
        this.delivery(client, chunk, at, now, -1);
        pos = at + HEADER_BYTES;
        continue;
      }
      this.delivery(client, chunk, at, now, end);
      pos = end;
    }
    if (this.witnessDue) {
      this.witnessDue = false;
      this.onWitnessed!();
    }
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
      this.delivery(client, client.partial, 0, now, have + need);
      return need;
    }
    if (chunk.length < room) {
      client.partial.set(chunk, have);
      client.partialLength += chunk.length;
      return -1;
    }
    // More than any delivery and still no end: count what there is, and scan on from here.
    client.partialLength = 0;
    if (have >= HEADER_BYTES) this.delivery(client, client.partial, 0, now, -1);
    return 0;
  }

  /**
   * One delivery whose `~` is at `at` in `buf`; when numbered, `end` is just past its `}` (-1:
   * it has none).
   */
  private delivery(client: Client, buf: Uint8Array, at: number, now: number, end: number): void {
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
    if (this.numbering) this.numbered(client, buf, at + this.textBytes, end, this.numbering);
  }

  /** Reads `","seq":S,"ts":T}` from a delivery's closing quote, and checks the seq's order. */
  private numbered(
    client: Client,
    buf: Uint8Array,
    quote: number,
    end: number,
    n: Numbering,
  ): void {
    if (end < 0 || !matches(buf, quote, end, SEQ_KEY)) {
      n.unnumbered++;
      return;
    }
    let i = quote + SEQ_KEY.length;
    const seqFrom = i;
    let seq = 0;
    for (let d = buf[i]! - 0x30; i < end && d >= 0 && d <= 9; d = buf[++i]! - 0x30)
      seq = seq * 10 + d;
    if (i === seqFrom || !matches(buf, i, end, TS_KEY)) {
      n.unnumbered++;
      return;
    }
    i += TS_KEY.length;
    const tsFrom = i;
    for (let d = buf[i]! - 0x30; i < end && d >= 0 && d <= 9; d = buf[++i]! - 0x30);
    if (i === tsFrom || buf[i] !== CLOSE) {
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
