/**
 * The chats a client has not yet had acknowledged. Each gets a `cid` when the server keeps
 * history (rule 12.4), so that one whose acknowledgement was lost with the connection can be
 * sent again after a reconnect without being delivered twice: the server answers a resend with
 * the first one's `seq` and `ts`.
 */

/** What the server said of an accepted chat, when it keeps history (rule 12.2). */
export interface ChatReceipt {
  /** The chat's number in its room. */
  seq: number;
  /** When the server accepted it, in milliseconds since the epoch. */
  ts: number;
}

/** What the outbox sends on. */
export interface OutboxLink {
  /** Closed: a chat it did not answer may or may not have been delivered. */
  readonly ended: boolean;
  /** The server keeps history, and with it the window in which a `cid` is recognised. */
  readonly history: boolean;
  chat(msg: string, cid: string | undefined): Promise<ChatReceipt | undefined>;
}

/** What the outbox asks and tells its client. */
export interface OutboxHooks {
  /** True while a chat lost with its connection will be sent again (the client reconnects). */
  resending(): boolean;
  /** A chat was accepted: its receipt. */
  accepted(receipt: ChatReceipt): void;
}

interface Entry {
  readonly msg: string;
  cid: string | undefined;
  /** Written on a connection, and not yet answered. */
  sent: boolean;
  resolve(receipt: ChatReceipt | undefined): void;
  reject(error: Error): void;
}

/** Chats waiting for their acknowledgement, or for a connection to be sent on, in order. */
export class Outbox {
  private readonly entries: Entry[] = [];

  constructor(private readonly hooks: OutboxHooks) {}

  /** Chats not yet acknowledged. */
  get size(): number {
    return this.entries.length;
  }

  /** A chat, sent at once on `link`, or when {@link flush} is given one. */
  submit(msg: string, link: OutboxLink | undefined): Promise<ChatReceipt | undefined> {
    return new Promise((resolve, reject) => {
      const entry: Entry = { msg, cid: undefined, sent: false, resolve, reject };
      this.entries.push(entry);
      if (link) this.send(entry, link);
    });
  }

  /** Sends, in order, every chat not under way: those queued, and those lost with a connection. */
  flush(link: OutboxLink): void {
    for (const entry of this.entries) if (!entry.sent) this.send(entry, link);
  }

  /** The client is closed for good: no chat still waiting will be sent. */
  rejectAll(error: Error): void {
    for (const entry of this.entries.splice(0)) entry.reject(error);
  }

  private send(entry: Entry, link: OutboxLink): void {
    // Chosen once, the first time it goes to a server that keeps history, and kept for resends.
    if (entry.cid === undefined && link.history) entry.cid = newCid();
    entry.sent = true;
    link.chat(entry.msg, entry.cid).then(
      (receipt) => {
        this.remove(entry);
        if (receipt) this.hooks.accepted(receipt);
        entry.resolve(receipt);
      },
      (err: Error) => {
        // Lost with its connection: sent again after the reconnect if the server can tell a
        // resend (a cid); without one it may have been delivered, and is not risked twice. One
        // the server refused (MUTED, MESSAGE_REFUSED...) is never sent again: it would be
        // refused again, each time the connection came back.
        if (link.ended && entry.cid !== undefined && this.hooks.resending() && !refused(err)) {
          entry.sent = false;
          return;
        }
        this.remove(entry);
        entry.reject(err);
      },
    );
  }

  private remove(entry: Entry): void {
    const index = this.entries.indexOf(entry);
    if (index >= 0) this.entries.splice(index, 1);
  }
}

/**
 * True when the server answered the chat itself with a refusal. A non-fatal error only ever
 * answers the request that carried its id; a connection's loss, or a fatal error, rejects every
 * chat under way alike, and those are worth sending again.
 */
function refused(err: Error): boolean {
  const response = (err as { response?: Readonly<Record<string, unknown>> }).response;
  return response !== undefined && response.fatal !== true;
}

/** This process's part of every cid: random, chosen once. */
const PROCESS_PART = randomPart();
let counter = 0;

/**
 * A new cid: the time first (base 36 milliseconds, so that a store's index of them grows at
 * its end), then this process's random part and a counter, so that no two are alike.
 */
export function newCid(): string {
  return `${Date.now().toString(36)}-${PROCESS_PART}-${(counter++).toString(36)}`;
}

function randomPart(): string {
  const words = new Uint32Array(2);
  globalThis.crypto.getRandomValues(words);
  return Array.from(words, (w) => w.toString(36).padStart(7, '0')).join('');
}
