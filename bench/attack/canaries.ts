/**
 * The canaries of `npm run attack`: three members of the default room, on the same terms as
 * anyone (no exemption), each chatting a few times a second with an id. Every chat the server
 * acknowledges (`71`) must reach the other two; the time from send to arrival is their latency.
 */
import { performance } from 'node:perf_hooks';
import { Wire } from '../soak-wire.js';

/** What the canaries saw during one attack. */
export interface CanaryWindow {
  /** Chats sent by canaries during the window. */
  sent: number;
  /** Of those, acknowledged with `71`. */
  acknowledged: number;
  /** Acknowledged chats that did not reach every other canary: must be 0. */
  lost: number;
  /** Chats without an acknowledgement or an error answer. */
  unanswered: number;
  /** Chats answered with a refusal or an error instead of `71`: canaries stay within limits. */
  refused: number;
  /** Latency from send to arrival at another canary, in milliseconds. */
  p50: number;
  p99: number;
  max: number;
  /** Canaries that were disconnected. */
  disconnected: string[];
}

interface Sent {
  at: number;
  acked: boolean;
  answered: boolean;
  /** The other canaries that have it. */
  reached: Set<number>;
}

/** One canary: a member that chats `k<index>:<n>:<ms>` and records what the others chat. */
class Canary {
  readonly wire: Wire;
  readonly sent = new Map<number, Sent>();
  next = 1;
  joined = false;
  /** Chats from members that are not canaries, by sender. */
  readonly heard = new Map<string, number>();

  constructor(
    readonly index: number,
    port: number,
    private readonly onChat: (from: number, n: number, at: number) => void,
  ) {
    this.wire = new Wire(port, '127.0.0.1', (m) => this.receive(m));
  }

  private receive(m: Record<string, unknown>): void {
    if (m.cmd === '03') this.joined = true;
    else if (m.cmd === '70' && typeof m.msg === 'string') {
      const match = /^k(\d+):(\d+):([\d.]+)$/.exec(m.msg);
      if (match) this.onChat(Number(match[1]), Number(match[2]), Number(match[3]));
      else this.heard.set(String(m.from), (this.heard.get(String(m.from)) ?? 0) + 1);
    } else if (typeof m.id === 'number') {
      const sent = this.sent.get(m.id);
      if (!sent) return;
      sent.answered = true;
      if (m.cmd === '71') sent.acked = true;
    }
  }

  chat(): number {
    const n = this.next++;
    const at = performance.now();
    this.sent.set(n, { at, acked: false, answered: false, reached: new Set() });
    this.wire.send({ cmd: '7', msg: `k${this.index}:${n}:${at.toFixed(3)}`, id: n });
    return n;
  }
}

/** The three canaries and their measurements. */
export class Canaries {
  private readonly canaries: Canary[] = [];
  private timer: NodeJS.Timeout | undefined;
  private latencies: number[] = [];
  /** The first chat number of each canary in the current window. */
  private windowStart: number[] = [];

  constructor(
    private readonly port: number,
    /** Chats per second per canary. */
    private readonly rate = 10,
  ) {}

  /** Connects the canaries and starts their chatting. */
  async start(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      const canary = new Canary(i, this.port, (from, n, at) => this.arrived(i, from, n, at));
      this.canaries.push(canary);
      if (!(await canary.wire.connected())) throw new Error('a canary could not connect');
      canary.wire.send({ cmd: '0', nickname: `canary${i}` });
    }
    const deadline = Date.now() + 5000;
    while (!this.canaries.every((c) => c.joined)) {
      if (Date.now() > deadline) throw new Error('the canaries could not join');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.timer = setInterval(() => {
      for (const canary of this.canaries) if (!canary.wire.closed) canary.chat();
    }, 1000 / this.rate);
  }

  private arrived(receiver: number, from: number, n: number, at: number): void {
    const sent = this.canaries[from]?.sent.get(n);
    if (!sent || sent.reached.has(receiver)) return;
    sent.reached.add(receiver);
    if (n >= (this.windowStart[from] ?? Infinity)) this.latencies.push(performance.now() - at);
  }

  /** Starts a measurement window. */
  begin(): void {
    this.latencies = [];
    this.windowStart = this.canaries.map((c) => c.next);
  }

  /**
   * Ends the window after `drainMs` (for chats in flight), and reports it. Chats older than the
   * window are forgotten. With `closedToo`, a closed canary must have received every chat too.
   */
  async end(drainMs = 1500, closedToo = false): Promise<CanaryWindow> {
    const until = this.canaries.map((c) => c.next);
    await new Promise((resolve) => setTimeout(resolve, drainMs));
    const window: CanaryWindow = {
      sent: 0,
      acknowledged: 0,
      lost: 0,
      unanswered: 0,
      refused: 0,
      p50: 0,
      p99: 0,
      max: 0,
      disconnected: this.canaries.filter((c) => c.wire.closed).map((c) => `canary${c.index}`),
    };
    this.canaries.forEach((canary, i) => {
      for (let n = this.windowStart[i]!; n < until[i]!; n++) {
        const sent = canary.sent.get(n)!;
        window.sent++;
        if (!sent.answered) window.unanswered++;
        else if (!sent.acked) window.refused++;
        if (!sent.acked) continue;
        window.acknowledged++;
        // After a shutdown every canary is closed, and each must have had every chat first.
        const others = this.canaries.filter(
          (c) => c.index !== i && (closedToo || !c.wire.closed),
        ).length;
        if (sent.reached.size < others) window.lost++;
      }
      for (const n of canary.sent.keys()) if (n < until[i]!) canary.sent.delete(n);
    });
    const sorted = this.latencies.sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    window.p50 = at(0.5) ?? 0;
    window.p99 = at(0.99) ?? 0;
    window.max = sorted[sorted.length - 1] ?? 0;
    return window;
  }

  /** Whether every canary is still connected. */
  alive(): boolean {
    return this.canaries.every((c) => !c.wire.closed);
  }

  /** How many chats from `sender` (not a canary) the first canary received. */
  heardFrom(sender: string): number {
    return this.canaries[0]!.heard.get(sender) ?? 0;
  }

  /** Stops chatting; with `exit`, the canaries leave. */
  stop(exit = true): void {
    clearInterval(this.timer);
    if (exit) for (const c of this.canaries) c.wire.send({ cmd: '3' });
  }
}
