/**
 * The only ways the web client puts text on the page: every string from the server or a user
 * goes through `textContent`, never through HTML, so markup in a nickname, a room name or a
 * message is shown as the characters it is.
 */

/** The element with this id; the page is broken without it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

/** A new element with an optional class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A span of user text: its direction taken from its own first strong character. */
export function userText(className: string, text: string): HTMLSpanElement {
  const span = el('span', className, text);
  span.dir = 'auto';
  return span;
}

/**
 * Hours and minutes of a time, in the user's locale (with the day, when not today: a line from
 * the room's history may be old), with a machine-readable datetime.
 */
export function timeOf(at: Date): HTMLTimeElement {
  let text = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (at.toDateString() !== new Date().toDateString()) {
    text = `${at.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${text}`;
  }
  const time = el('time', undefined, text);
  time.dateTime = at.toISOString();
  return time;
}
