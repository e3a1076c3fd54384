/**
 * A benchmark worker's receiving side: counts the deliveries in what its clients read, without
 * parsing JSON (see payload.ts), checks their order and records their latency.
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
import type { WorkerStats } from './plan.js';

/** A sender of this worker, as its witness sees it: the client whose receipts bound its window. */
export interface Witnessed {
  readonly witness: Client | undefined;
  /** Messages of this sender seen by the witness, to bound what is in flight. */
  witnessed: number;
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

  /**
   * @param senders senders in the whole run
   * @param own this worker's senders by index (undefined for the other workers' senders)
   * @param onWitnessed called after a chunk in which a witness saw one of its sender's messages
   */
  constructor(
    private readonly senders: number,
    private readonly own: readonly (Witnessed | undefined)[],
    private readonly onWitnessed: (() => void) | undefined,
  ) {}

  /**
   * Counts the deliveries in a chunk: finds each `~`, reads the sender, sequence and send time,
   * and checks the order. A header cut by the read boundary is finished from the next chunk.
   */
  onData(client: Client, chunk: Buffer): void {
    const now = nowMicros();
    let pos = 0;
    if (client.partialLength > 0) {
      const need = HEADER_BYTES - client.partialLength;
      if (chunk.length < need) {
        client.partial.set(chunk, client.partialLength);
        client.partialLength += chunk.length;
        return;
      }
      client.partial.set(chunk.subarray(0, need), client.partialLength);
      client.partialLength = 0;
      this.delivery(client, client.partial, 0, now);
      pos = need;
    }
    for (;;) {
      const at = chunk.indexOf(MARK, pos);
      if (at < 0) break;
      if (at + HEADER_BYTES > chunk.length) {
        client.partial.set(chunk.subarray(at), 0);
        client.partialLength = chunk.length - at;
        break;
      }
      this.delivery(client, chunk, at, now);
      pos = at + HEADER_BYTES;
    }
    if (this.witnessDue) {
      this.witnessDue = false;
      this.onWitnessed!();
    }
  }

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
    };
  }
}
