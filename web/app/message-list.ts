import { el, timeOf, userText } from './dom.js';

/** Lines kept on the page; older ones are removed as new ones arrive. */
const MAX_LINES = 1000;

/** A line of one's own that the server has yet to accept. */
export interface PendingLine {
  /** The server accepted it. */
  sent(): void;
  /** The server refused it (or the connection closed first). */
  failed(): void;
}

/**
 * The conversation: chats, whispers both ways and system lines, each with its time. The list is
 * an ARIA live log, so a screen reader announces each new line; it follows the newest line
 * unless the user has scrolled up to read.
 */
export class MessageList {
  constructor(private readonly list: HTMLOListElement) {}

  /** Someone else's chat; `ts`, when the server sent it, is when it was said. */
  chat(from: string, msg: string, ts?: number): void {
    this.append(this.line('chat', from, msg, ts));
  }

  /**
   * Chats from the room's history, oldest first, put before `before` (a line of the page) and
   * dimmed; one's own are marked as such. Keeps what the user is looking at in place.
   */
  earlier(
    chats: readonly { from: string; msg: string; ts: number }[],
    self: string,
    before: Element,
  ): HTMLLIElement | undefined {
    const list = this.list;
    const fromBottom = list.scrollHeight - list.scrollTop;
    let first: HTMLLIElement | undefined;
    for (const { from, msg, ts } of chats) {
      const line = this.line(from === self ? 'chat own history' : 'chat history', from, msg, ts);
      list.insertBefore(line, before);
      first ??= line;
    }
    list.scrollTop = list.scrollHeight - fromBottom;
    return first;
  }

  /** One's own chat, shown at once and marked when the server accepts it. */
  own(from: string, msg: string): PendingLine {
    const line = this.line('chat own pending', from, msg);
    line.querySelector('.from')?.append(el('span', 'visually-hidden', ' (you)'));
    this.append(line);
    return pendingLine(line);
  }

  /**
   * A whisper: received (`from` → you, with a button to answer it) or sent (you → `to`).
   * @param reply for a received one: starts a whisper back
   */
  whisper(direction: 'in' | 'out', who: string, msg: string, reply?: () => void): PendingLine {
    const line = el('li', `whisper ${direction === 'out' ? 'own pending' : ''}`.trim());
    line.append(timeOf(new Date()));
    const label = el('span', 'from');
    if (direction === 'in') label.append(userText('', who), ' whispers');
    else label.append('You whisper to ', userText('', who));
    line.append(label, userText('text', msg));
    if (reply) {
      const button = el('button', 'reply', 'Reply');
      button.type = 'button';
      button.setAttribute('aria-label', `Whisper back to ${who}`);
      button.addEventListener('click', reply);
      line.append(button);
    }
    this.append(line);
    return pendingLine(line);
  }

  /** A line from the client itself: joins, leaves, renames, connection news. */
  system(...parts: (string | Node)[]): HTMLLIElement {
    const line = el('li', 'system');
    const text = el('span', 'text');
    text.append(...parts);
    line.append(timeOf(new Date()), text);
    this.append(line);
    return line;
  }

  /** A user's name inside a system line: isolated, so right-to-left names do not reorder it. */
  name(text: string): HTMLElement {
    return userText('name', text);
  }

  clear(): void {
    this.list.replaceChildren();
  }

  private line(className: string, from: string, msg: string, ts?: number): HTMLLIElement {
    const line = el('li', className);
    const at = ts === undefined ? new Date() : new Date(ts);
    line.append(timeOf(at), userText('from', from), userText('text', msg));
    return line;
  }

  private append(line: HTMLLIElement): void {
    const list = this.list;
    const following = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.append(line);
    while (list.childElementCount > MAX_LINES) list.firstElementChild?.remove();
    if (following) list.scrollTop = list.scrollHeight;
  }
}

/** The marks of a line of one's own: pending until the server answers, then sent or not. */
function pendingLine(line: HTMLLIElement): PendingLine {
  return {
    sent: () => line.classList.remove('pending'),
    failed: () => {
      line.classList.remove('pending');
      line.classList.add('failed');
      line.append(el('span', 'hint', ' (not sent)'));
    },
  };
}
