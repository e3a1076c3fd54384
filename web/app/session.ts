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
  joined(client: ChatClient, reconnected: boolean): void;
  /** The members of the room, once known after a join. */
  users(users: readonly User[]): void;
  /** Something happened in the chat. */
  event(event: ChatEvent): void;
  /** The connection was lost (`attempt` 1), or an attempt to reconnect failed; the next is in `delayMs`. */
  lost(reason: NatterError | undefined, delayMs: number, attempt: number): void;
  /** The session is over: the server refused or closed it for good. */
  ended(reason: NatterError): void;
  /** A new round-trip time, in milliseconds. */
  rtt(ms: number): void;
}

/** How often the round-trip time is measured. */
const RTT_EVERY_MS = 5000;

/**
 * One user's presence in the chat, on the client library's reconnect: after a lost connection
 * (a restarted server, a network change) it reconnects with backoff and jitter, rejoins the
 * same room with the same nickname, catches up on the chats said meanwhile from the server's
 * history (docs/protocol.md, section 12), and sends once what was typed but not acknowledged.
 * The library retries refusals that pass (the nickname or a place still held by the lost
 * connection, a busy server) for 45 s, and stops for good after one that will not.
 */
export class Session {
  client: ChatClient | undefined;
  private stopped = false;
  private rttTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly url: string,
    private readonly nickname: string,
    private readonly view: SessionView,
  ) {}

  /** The first join: rejects with the server's refusal, for the login form to show. */
  async start(room: string | undefined): Promise<void> {
    const client = await connect({ url: this.url, nickname: this.nickname, room, reconnect: true });
    if (this.stopped) {
      client.destroy();
      return;
    }
    this.client = client;
    client.on('event', (event: ChatEvent) => this.event(client, event));
    client.on('close', (reason: NatterError | undefined) => this.closed(reason));
    await this.welcome(client, false);
  }

  /** Leaves the chat (EXIT) and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.rttTimer);
    await this.client?.exit().catch(() => undefined);
  }

  private event(client: ChatClient, event: ChatEvent): void {
    if (this.stopped) return;
    if (event.type === 'reconnecting') {
      clearInterval(this.rttTimer);
      return this.view.lost(event.error, event.delayMs, event.attempt);
    }
    if (event.type === 'reconnected') return void this.welcome(client, true);
    this.view.event(event);
  }

  /**
   * Joined (again): the page is told at once (before the chats caught up on after a reconnect,
   * which follow this event), then the member list, then the RTT is measured.
   */
  private async welcome(client: ChatClient, reconnected: boolean): Promise<void> {
    this.view.joined(client, reconnected);
    const users = await client.users().catch(() => undefined);
    // Lost again while asking: the loss has been told, and a rejoin follows.
    if (!users || !client.connected || this.stopped) return;
    this.view.users(users);
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

  /** Closed for good: by EXIT, a refusal that will not pass, or what this client sent. */
  private closed(reason: NatterError | undefined): void {
    clearInterval(this.rttTimer);
    if (this.stopped) return;
    this.stopped = true;
    this.view.ended(reason ?? new NatterError('CLOSED', 'the server closed the connection'));
  }
}
