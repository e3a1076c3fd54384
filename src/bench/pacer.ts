/**
 * A benchmark worker's sending side: writes its senders' chats, either as fast as each sender's
 * window of chats in flight allows (rate 0) or at a fixed rate.
 */
import type { Client } from './connect.js';
import { dialectOf, type Dialect } from './dialect.js';
import { SENDER_DIGITS, SEQ_DIGITS, TIME_DIGITS, nowMicros, writeDigits } from './payload.js';
import type { WorkerPlan } from './plan.js';
import type { Witnessed } from './receiver.js';

/**
 * One of this worker's senders. Each has a witness: another client of this worker, whose receipt
 * of the sender's messages tells how many are still in flight.
 */
export interface Sender extends Witnessed {
  readonly client: Client;
  readonly index: number;
  sent: number;
}

export class Pacer {
  readonly senders: readonly Sender[];
  /** This worker's senders by sender index; undefined for the other workers' senders. */
  readonly bySlot: (Sender | undefined)[];
  /** Set once the measured time is over: nothing more is sent. */
  stopped = false;
  private readonly dialect: Dialect;
  private readonly template: { frame: Uint8Array; mark: number };
  private rateTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly plan: WorkerPlan,
    clients: readonly Client[],
  ) {
    this.dialect = dialectOf(plan.wire);
    this.template = this.dialect.chat(plan.msgSize);
    this.senders = clients
      .filter((c) => c.plan.sender >= 0)
      .map((client) => ({
        client,
        index: client.plan.sender,
        witness: clients.find((c) => c !== client),
        sent: 0,
        witnessed: 0,
      }));
    this.bySlot = new Array(plan.senders);
    for (const s of this.senders) this.bySlot[s.index] = s;
  }

  /** Starts sending: at the plan's rate, or at rate 0 a first window from every sender. */
  start(startMicros: number): void {
    if (this.plan.rate > 0) this.startRate(startMicros);
    else this.pump();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.rateTimer);
  }

  /** What each of this worker's senders sent: [sender index, count]. */
  sent(): [sender: number, count: number][] {
    return this.senders.map((s) => [s.index, s.sent]);
  }

  /** At rate 0: top every sender up to its window. */
  pump(): void {
    if (this.stopped) return;
    for (const sender of this.senders) {
      // A worker whose only client is the sender has no witness: that sender runs open loop, one
      // window per chunk it receives.
      const inFlight = sender.witness ? sender.sent - sender.witnessed : 0;
      this.sendBatch(sender, this.plan.window - inFlight);
    }
  }

  /** At a fixed rate: every tick, send what each sender owes by now. */
  private startRate(startMicros: number): void {
    const perMicro = this.plan.rate / 1e6;
    this.rateTimer = setInterval(() => {
      if (this.stopped) return;
      const due = Math.floor((nowMicros() - startMicros) * perMicro);
      // A stall is not made up with a flood: at most 50 ms worth at once.
      const cap = Math.max(1, Math.ceil(this.plan.rate / 20));
      for (const sender of this.senders) this.sendBatch(sender, Math.min(due - sender.sent, cap));
    }, 1);
  }

  /** Writes `count` chats for a sender, at most `plan.batch` per write. */
  private sendBatch(sender: Sender, count: number): void {
    while (count > 0) {
      const n = Math.min(count, this.plan.batch);
      this.writeChats(sender, n);
      count -= n;
    }
  }

  private writeChats(sender: Sender, count: number): void {
    if (sender.client.socket.destroyed) return;
    const { frame, mark } = this.template;
    const frameBytes = frame.length;
    const batch = new Uint8Array(frameBytes * count);
    const time = nowMicros();
    const at = mark + 1;
    for (let i = 0; i < count; i++) {
      const offset = i * frameBytes;
      batch.set(frame, offset);
      writeDigits(batch, offset + at, SENDER_DIGITS, sender.index);
      writeDigits(batch, offset + at + SENDER_DIGITS + 1, SEQ_DIGITS, sender.sent++);
      writeDigits(batch, offset + at + SENDER_DIGITS + SEQ_DIGITS + 2, TIME_DIGITS, time);
    }
    sender.client.socket.write(this.dialect.frame(batch, frameBytes, count));
  }
}
