import { EventEmitter } from 'node:events';
import { Cmd } from '../protocol/codes.js';
import type { Reply } from '../protocol/messages.js';
import { Connection, type Welcome } from './connection.js';
import { NatterError } from './errors.js';
import { EventQueue } from './event-queue.js';
import type { ChatEvent, Received } from './events.js';
import { historyRequest, toHistoryPage, type HistoryPage, type HistoryQuery } from './history.js';
import { DEFAULT_MESSAGE_LIMITS, type MessageLimits } from './limits.js';
import { Outbox, type ChatReceipt } from './outbox.js';
import { Reconnector } from './reconnect.js';
import { catchUp } from './resume.js';
import { worthReconnecting, type RetryPolicy } from './retry.js';
import { RoomCursor } from './room-cursor.js';
import type { ClientStream } from './stream.js';

/** @internal How a client made with `reconnect` gets a new connection. */
export interface ReconnectPlan {
  policy: RetryPolicy;
  open(): Promise<ClientStream>;
}

/** @internal What every CONNECT of a client uses. */
export interface JoinTerms {
  heartbeatMs: number;
  timeoutMs: number;
}

/**
 * `joining` the first time; `connected`; with `reconnect`, after a loss, `reconnecting` (no
 * connection), `rejoining` (CONNECT sent) and `resuming` (fetching the chats missed); `closed`.
 */
type State = 'joining' | 'connected' | 'reconnecting' | 'rejoining' | 'resuming' | 'closed';

/**
 * A client's presence in the chat, across connections: what the server said of it, its events,
 * its end; and, for a client made with `reconnect`, getting a lost connection back, catching
 * up on the chats missed meanwhile, and sending again what was not acknowledged.
 * {@link ChatClient} adds the commands.
 */
export class ClientSession extends EventEmitter implements AsyncIterable<ChatEvent> {
  /** The nickname this client holds now. */
  nickname = '';
  /** The room this client is in (known only from a Natter server). */
  room: string | undefined;
  /** `serverAddress` from CONNECT_SUCCESS. */
  serverAddress: [string, number] | undefined;
  /** Server software, when the server is Natter (e.g. `natter/0.1.0`). */
  server: string | undefined;
  /**
   * True when the server speaks Natter's extensions: requests carry ids and chats are
   * acknowledged. Against a seed server this is false and answers are matched in order.
   */
  extended = false;
  /** The capabilities the server granted: `whisper`, and `history` when it keeps chats. */
  caps: readonly string[] = [];
  /**
   * What the server accepts: a Natter server says in its `03`; otherwise the defaults. CHAT and
   * WHISPER refuse a message over them (code `TOO_LONG`) instead of sending it.
   */
  limits: MessageLimits = DEFAULT_MESSAGE_LIMITS;

  /** The connection in use, or the last one. */
  private link: Connection;
  private state: State = 'joining';
  /** exit() or destroy() was called: a close is the end. */
  private leaving = false;
  private terms: JoinTerms = { heartbeatMs: 0, timeoutMs: 10_000 };
  private reconnector: Reconnector | undefined;
  private readonly cursor = new RoomCursor();
  private readonly outbox = new Outbox({
    resending: () => this.reconnector !== undefined && this.state !== 'closed',
    accepted: (receipt) => this.cursor.sent(receipt.seq),
  });
  private readonly iterators = new Set<EventQueue<ChatEvent>>();
  private resolveClosed: (reason: NatterError | undefined) => void = () => {};
  private readonly closedPromise = new Promise<NatterError | undefined>(
    (resolve) => (this.resolveClosed = resolve),
  );

  constructor(
    stream: ClientStream,
    private readonly plan?: ReconnectPlan,
  ) {
    super();
    this.link = this.connectOn(stream);
  }

  /** @internal The first CONNECT, within `withinMs`; use `connect()`, which opens the stream. */
  async join(
    nickname: string,
    room: string | undefined,
    terms: JoinTerms,
    withinMs = terms.timeoutMs,
  ): Promise<void> {
    this.terms = terms;
    const welcome = await this.link.join(nickname, room, terms.heartbeatMs, withinMs);
    this.adopt(nickname, welcome);
    this.state = 'connected';
    if (this.plan) {
      this.reconnector = new Reconnector(this.plan.policy, {
        open: this.plan.open,
        rejoin: (stream) => this.rejoin(stream),
        event: (event) => this.emitEvent(event),
        giveUp: (reason) => this.finish(reason),
      });
      this.learnPlace();
    }
  }

  /** True while joined: not while reconnecting, nor once closed. */
  get connected(): boolean {
    return this.state === 'connected' || this.state === 'resuming';
  }

  /** EXIT: leaves the chat (and stops reconnecting); resolves when the connection is closed. */
  async exit(): Promise<void> {
    if (this.state === 'closed') return;
    this.leaving = true;
    this.reconnector?.stop();
    if (this.connected) await this.link.exit();
    else {
      this.link.destroy();
      this.finish(undefined);
    }
    await this.closedPromise;
  }

  /** True once the client has closed for good. */
  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Resolves when the client is closed for good: with the reason, or undefined after EXIT. */
  closed(): Promise<NatterError | undefined> {
    return this.closedPromise;
  }

  /** Closes the connection at once, without EXIT, and stops reconnecting. */
  destroy(): void {
    this.leaving = true;
    this.reconnector?.stop();
    this.link.destroy();
    if (this.state === 'reconnecting' || this.state === 'rejoining') {
      this.finish(new NatterError('CLOSED', 'the connection was closed'));
    }
  }

  /** Every event from now on, until the client closes. */
  events(): AsyncIterableIterator<ChatEvent> {
    const queue = new EventQueue<ChatEvent>(() => this.iterators.delete(queue));
    if (this.state === 'closed') queue.end();
    else this.iterators.add(queue);
    return queue;
  }

  [Symbol.asyncIterator](): AsyncIterator<ChatEvent> {
    return this.events();
  }

  /** The connection requests go on; while reconnecting there is none. */
  protected live(): Connection {
    if (this.state === 'reconnecting' || this.state === 'rejoining') {
      throw new NatterError('RECONNECTING', 'the connection was lost; reconnecting');
    }
    return this.link;
  }

  /** A chat, sent now, or kept until the connection is back (see ChatClient.chat). */
  protected sendChat(msg: string): Promise<ChatReceipt | undefined> {
    if (this.state === 'closed') return this.link.chat(msg, undefined);
    return this.outbox.submit(msg, this.state === 'connected' ? this.link : undefined);
  }

  protected async readHistory(link: Connection, query: HistoryQuery): Promise<HistoryPage> {
    return toHistoryPage(await link.requests.request(historyRequest(query)));
  }

  /** Learns where the room's sequence stands, so a reconnect knows what it missed. */
  protected learnPlace(): void {
    const { link, room } = this;
    if (!this.reconnector || !link.history || room === undefined || this.cursor.knows(room)) return;
    this.readHistory(link, { limit: 1 }).then(
      (page) => this.cursor.baseline(page.room, page.messages.at(-1)?.seq ?? 0),
      () => undefined,
    );
  }

  private connectOn(stream: ClientStream): Connection {
    const link: Connection = new Connection(stream, {
      event: (event) => {
        if (link !== this.link || this.cursor.had(event)) return;
        if (!this.cursor.keep(event)) this.emitEvent(event);
      },
      answer: (answer) => {
        if (link === this.link) this.onAnswer(answer);
      },
      closed: (reason) => this.onLinkClosed(link, reason),
    });
    return link;
  }

  /** What the server said at CONNECT, taken as the client's own. */
  private adopt(nickname: string, welcome: Welcome): void {
    this.nickname = nickname;
    this.serverAddress = welcome.serverAddress;
    this.room = welcome.room;
    this.server = welcome.server;
    this.extended = welcome.extended;
    this.caps = welcome.caps;
    this.limits = welcome.limits ?? DEFAULT_MESSAGE_LIMITS;
    this.cursor.enter(this.room);
  }

  /** A room move is followed at once, before the room's next message is read. */
  private onAnswer(answer: Received<Reply>): void {
    if (answer.cmd === Cmd.JOIN_SUCCESS || answer.cmd === Cmd.LEAVE_SUCCESS) {
      this.room = String(answer.room);
      this.cursor.enter(this.room);
    }
  }

  private onLinkClosed(link: Connection, reason: NatterError | undefined): void {
    // One lost while rejoining is told to the reconnector by the failed join, and then ends.
    if (link !== this.link || !(this.connected || this.state === 'joining')) return;
    this.cursor.drop();
    if (!this.reconnector || this.leaving || !reason || !worthReconnecting(reason)) {
      return this.finish(reason);
    }
    this.state = 'reconnecting';
    this.reconnector.lost(reason);
  }

  /** Joins again over a new stream, as who and where the client was, then catches up. */
  private async rejoin(stream: ClientStream): Promise<void> {
    const link = (this.link = this.connectOn(stream));
    this.state = 'rejoining';
    this.cursor.hold();
    const { heartbeatMs, timeoutMs } = this.terms;
    try {
      const welcome = await link.join(this.nickname, this.room, heartbeatMs, timeoutMs);
      if (link.ended) throw new NatterError('CLOSED', 'the server closed the connection');
      this.adopt(this.nickname, welcome);
    } catch (err) {
      this.cursor.drop();
      if (this.state === 'rejoining') this.state = 'reconnecting';
      throw err;
    }
    this.state = 'resuming';
    const { nickname, room } = this;
    this.emitEvent({ type: 'reconnected', nickname, ...(room !== undefined ? { room } : {}) });
    void this.resume(link);
  }

  /**
   * The chats missed while away, in order, then the live events held back meanwhile (less
   * those the catch-up gave), then every chat not yet acknowledged, with its cid.
   */
  private async resume(link: Connection): Promise<void> {
    const room = this.room;
    const after = this.cursor.resumeFrom(room);
    if (link.history && room !== undefined && after !== undefined) {
      await catchUp(room, after, this.cursor, {
        read: (query) => this.readHistory(link, query),
        current: () => link === this.link && !link.ended,
        nickname: () => this.nickname,
        emit: (event) => this.emitEvent(event),
      });
    }
    if (link !== this.link || this.state !== 'resuming') return;
    for (const event of this.cursor.release()) this.emitEvent(event);
    this.state = 'connected';
    this.outbox.flush(link);
    this.learnPlace();
  }

  private emitEvent(event: ChatEvent): void {
    if (event.type === 'chat' && event.seq !== undefined) this.cursor.seen(event.seq);
    this.emit(event.type, event);
    this.emit('event', event);
    for (const it of this.iterators) it.push(event);
  }

  /** Closed for good: nothing waiting will be sent, the iterators end, `close` is told. */
  private finish(reason: NatterError | undefined): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.reconnector?.stop();
    this.cursor.drop();
    this.outbox.rejectAll(reason ?? new NatterError('CLOSED', 'the connection was closed'));
    for (const it of this.iterators) it.end();
    this.emit('close', reason);
    this.resolveClosed(reason);
  }
}
