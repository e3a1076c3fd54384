/**
 * The room's history in `natter chat`: its last messages when the user comes into a room,
 * before anything said meanwhile, and `\history [n]`, which pages back from the oldest shown.
 */
import type { ChatClient, ChatEvent, HistoryMessage } from '../client/index.js';

/** How many messages are shown on coming into a room, and by `\history` without a number. */
export const RECENT_COUNT = 20;

/** What the history is shown on. */
export interface HistoryOutput {
  /** Messages from the room's history, oldest first, shown apart from live ones. */
  history(messages: readonly HistoryMessage[]): void;
  notice(text: string): void;
}

/**
 * What of the room's history is on the screen, and the live events held back while the newest
 * messages are being fetched, so that they come after them.
 */
export class RoomView {
  /** The oldest `seq` shown in this room; undefined when none is. */
  private oldest: number | undefined;
  /** The newest `seq` shown in this room; undefined when none is. */
  private newest: number | undefined;
  private held: ChatEvent[] | undefined;

  constructor(
    private readonly out: HistoryOutput,
    private readonly show: (event: ChatEvent) => void,
  ) {}

  /** An event: shown now, or once the newest messages are. */
  event(event: ChatEvent): void {
    if (this.held) return void this.held.push(event);
    if (event.type === 'gap') this.newest = undefined; // numbered anew, perhaps
    if (event.type === 'chat' && event.seq !== undefined) {
      // Already shown from the page: in a cluster a page may be read ahead of the live chats.
      if (this.newest !== undefined && event.seq <= this.newest) return;
      this.newest = event.seq;
      this.saw(event.seq);
    }
    this.show(event);
  }

  /** A message of the room with this number is on the screen. */
  saw(seq: number): void {
    if (this.oldest === undefined || seq < this.oldest) this.oldest = seq;
  }

  /** The user came into the client's room: its newest messages, then what was said meanwhile. */
  async enter(client: ChatClient, count = RECENT_COUNT): Promise<void> {
    this.oldest = undefined;
    this.newest = undefined;
    if (!client.caps.includes('history')) return;
    this.held = [];
    let last = 0;
    try {
      const page = await client.history({ limit: count });
      if (page.messages.length > 0) {
        this.out.history(page.messages);
        this.saw(page.messages[0]!.seq);
        last = page.messages.at(-1)!.seq;
      }
    } catch {
      // Not shown: the room's history is a courtesy, and a lost connection is told anyway.
    } finally {
      const held = this.held;
      this.held = undefined;
      // A chat delivered while the page was on its way may be on it too.
      if (last > 0) this.newest = last;
      for (const event of held) this.event(event);
    }
  }

  /** `\history n`: the `count` messages before the oldest shown (the newest if none is). */
  async older(client: ChatClient, count: number): Promise<void> {
    if (!client.caps.includes('history')) return this.out.notice('! the server keeps no history');
    const pages: HistoryMessage[][] = [];
    let before = this.oldest;
    for (let left = count; left > 0;) {
      const limit = Math.min(left, 200);
      const page = await client.history(before === undefined ? { limit } : { before, limit });
      if (page.messages.length === 0) break;
      pages.unshift(page.messages);
      left -= page.messages.length;
      before = page.messages[0]!.seq;
      if (!page.more) break;
    }
    const messages = pages.flat();
    if (messages.length === 0) return this.out.notice('* no older messages are kept');
    this.out.history(messages);
    this.saw(messages[0]!.seq);
  }
}
