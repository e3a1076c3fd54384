import type { ChatClient, HistoryMessage } from '../../src/client/browser.js';
import type { MessageList } from './message-list.js';

/** Chats fetched on entering a room, and per page when scrolling back. */
const PAGE = 50;
/** Scrolled this close to the top of the conversation, the next older page is fetched. */
const NEAR_TOP_PX = 60;

/**
 * The room's history on the page (docs/protocol.md, section 12): its newest chats when the user
 * comes into a room, put before the line that says so, and older pages as the user scrolls to
 * the top. Chats already on the page (by `seq`) are never shown twice. After a reconnect the
 * client library gives what was said meanwhile as chats of their own, so nothing is fetched here.
 */
export class RoomHistory {
  private client: ChatClient | undefined;
  private room: string | undefined;
  /** The first line of this room's history on the page, or the line of coming into the room. */
  private top: Element | undefined;
  private oldest: number | undefined;
  private more = false;
  private loading = false;
  private readonly shown = new Set<number>();

  constructor(
    private readonly messages: MessageList,
    private readonly list: HTMLElement,
  ) {
    list.addEventListener('scroll', () => {
      if (list.scrollTop < NEAR_TOP_PX) void this.older();
    });
  }

  /**
   * The user came into `room` (joined, or moved there), told by `line`: the room's newest chats
   * go before it.
   */
  async enter(client: ChatClient, room: string | undefined, line: Element): Promise<void> {
    this.client = client;
    this.room = room;
    this.top = line;
    this.oldest = undefined;
    this.more = false;
    this.shown.clear();
    if (!client.caps.includes('history')) return;
    await this.load({ limit: PAGE });
  }

  /**
   * True for a chat already on the page: a live chat that the page of history had, since in a
   * cluster the page may be read ahead of the live chats it holds.
   */
  has(seq: number | undefined): boolean {
    return seq !== undefined && this.shown.has(seq);
  }

  /** The room's history does not continue from what the page has seen (it may be numbered anew). */
  renumbered(): void {
    this.shown.clear();
  }

  /** A chat of the room arrived live (or was caught up on): it is on the page. */
  saw(seq: number | undefined): void {
    if (seq === undefined) return;
    this.shown.add(seq);
    if (this.oldest === undefined) this.oldest = seq;
  }

  /** The next older page, when there is one and none is on its way. */
  async older(): Promise<void> {
    if (!this.more || this.oldest === undefined) return;
    await this.load({ before: this.oldest, limit: PAGE });
  }

  private async load(query: { before?: number; limit: number }): Promise<void> {
    const { client, room } = this;
    if (!client || this.loading) return;
    this.loading = true;
    try {
      const page = await client.history(query);
      // The user moved on meanwhile: this page is of another room.
      if (client !== this.client || room !== this.room || page.room !== (room ?? page.room)) {
        return;
      }
      const fresh = page.messages.filter((m: HistoryMessage) => !this.shown.has(m.seq));
      for (const m of fresh) this.shown.add(m.seq);
      if (page.messages.length > 0) {
        const first = page.messages[0]!.seq;
        if (this.oldest === undefined || first < this.oldest) this.oldest = first;
      }
      this.more = page.more;
      if (fresh.length > 0 && this.top) {
        this.top = this.messages.earlier(fresh, client.nickname, this.top) ?? this.top;
      }
    } catch {
      // Not shown: the history is a courtesy, and a lost connection is told anyway.
    } finally {
      this.loading = false;
    }
  }
}
