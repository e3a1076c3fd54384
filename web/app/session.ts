import {
  connect,
  NatterError,
  type ChatClient,
  type ChatEvent,
  type User,
} from '../../src/client/browser.js';

/** What the page is told by the session. */
export interface SessionView {
  /** Joined (or joined again after a reconnect) as `nickname` in `room`. */
  joined(client: ChatClient, users: readonly User[], reconnected: boolean): void;
  /** Something happened in the chat. */
  event(event: ChatEvent): void;
  /** The connection was lost (`attempt` 1), or an attempt to reconnect failed; the next is in `delayMs`. */
  lost(reason: NatterError | undefined, delayMs: number, attempt: number): void;
  /** The session is over: the server refused or closed it for good. */
  ended(reason: NatterError): void;
  /** A new round-trip time, in milliseconds. */
  rtt(ms: number): void;
}

/** Reconnect delays: the first, and the longest. Each is doubled, then jittered by ±30%. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;
/**
 * How long refusals go on being retried. A connection the browser lost may still be a member on
 * the server until its heartbeat runs out (twice 15 s), holding the nickname and a place in
 * the room; a restarted server may be busy for a moment.
 */
const REFUSALS_FOR_MS = 45_000;
/** Refusals worth retrying: the nickname or a place still held, the server busy. */
const PASSING_REFUSALS = new Set(['01', '02', '912', '920', '921', '922', '923']);
/** How often the round-trip time is measured. */
const RTT_EVERY_MS = 5000;

/**
 * Closures after which reconnecting would only be refused or closed again: the server closed
 * the connection because of what this client sent.
 */
const FINAL_CLOSES = new Set(['902', '911', '917', '924']);

/**
 * One user's presence in the chat: connects, and after a lost connection (a restarted server,
 * a network change) reconnects with backoff and jitter, rejoining the same room with the same
 * nickname.
 */
export class Session {
  client: ChatClient | undefined;
  private room: string | undefined;
  private attempt = 0;
  /** When the connection was lost (for how long refusals are retried); 0 while connected. */
  private lostAt = 0;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private rttTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly url: string,
    private nickname: string,
    private readonly view: SessionView,
  ) {}

  /** The first join: rejects with the server's refusal, for the login form to show. */
  async start(room: string | undefined): Promise<void> {
    this.room = room;
    await this.open(false);
  }

  /** Leaves the chat (EXIT) and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.rttTimer);
    await this.client?.exit().catch(() => undefined);
  }

  /** Keeps what a reconnect must restore up to date. */
  remember(change: { room?: string; nickname?: string }): void {
    if (change.room !== undefined) this.room = change.room;
    if (change.nickname !== undefined) this.nickname = change.nickname;
  }

  private async open(reconnecting: boolean): Promise<void> {
    const client = await connect({ url: this.url, nickname: this.nickname, room: this.room });
    if (this.stopped) {
      client.destroy();
      return;
    }
    this.client = client;
    this.room = client.room ?? this.room;
    client.on('event', (event: ChatEvent) => this.view.event(event));
    client.on('close', (reason: NatterError | undefined) => this.closed(client, reason));
    const users = await client.users().catch(() => []);
    // Lost again while asking: the close has been handled (a retry is on its way).
    if (client.isClosed || this.stopped) return;
    this.attempt = 0;
    this.lostAt = 0;
    this.view.joined(client, users, reconnecting);
    this.measure(client);
    clearInterval(this.rttTimer);
    this.rttTimer = setInterval(() => this.measure(client), RTT_EVERY_MS);
  }

  private measure(client: ChatClient): void {
    client.rtt().then(
      (ms) => this.view.rtt(ms),
      () => undefined,
    );
  }

  private closed(client: ChatClient, reason: NatterError | undefined): void {
    if (client !== this.client || this.stopped) return;
    clearInterval(this.rttTimer);
    // Closed without a reason only after EXIT; closed for what it sent, it would be again.
    if (reason === undefined || FINAL_CLOSES.has(reason.code)) {
      return this.end(reason ?? new NatterError('CLOSED', 'the server closed the connection'));
    }
    this.lostAt = Date.now();
    this.retry(reason);
  }

  private end(reason: NatterError): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.rttTimer);
    this.view.ended(reason);
  }

  private retry(reason: NatterError | undefined): void {
    const base = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** this.attempt++);
    const jittered = Math.round(base * (0.7 + Math.random() * 0.6));
    // A server that says when to come back is believed.
    const asked = Number(reason?.response?.retryAfterMs);
    const delayMs = Number.isFinite(asked) && asked > jittered ? asked : jittered;
    this.view.lost(reason, delayMs, this.attempt);
    this.retryTimer = setTimeout(() => {
      this.open(true).catch((err: NatterError) => {
        if (this.stopped) return;
        // A refusal is an answer from a live server: some pass (a place still held, a busy
        // server), the rest will not; a network error means no server yet.
        const refusal = /^\d+$/.test(err.code);
        const passing =
          PASSING_REFUSALS.has(err.code) && Date.now() - this.lostAt < REFUSALS_FOR_MS;
        if (refusal && !passing) return this.end(err);
        this.retry(err);
      });
    }, delayMs);
  }
}
