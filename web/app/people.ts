import type { User } from '../../src/client/browser.js';
import { el } from './dom.js';

/** A room as the room list shows it. */
export interface RoomEntry {
  readonly name: string;
  readonly userCount: number;
  readonly capacity: number;
}

/**
 * The members of the current room, kept live from joins, leaves, moves and renames. Choosing a
 * member starts a whisper to them; an operator also has a Moderate button beside each other
 * member.
 */
export class MemberList {
  private names: string[] = [];
  private self = '';
  private actions = false;

  constructor(
    private readonly list: HTMLUListElement,
    private readonly whisperTo: (nickname: string) => void,
    private readonly moderate: (nickname: string) => void,
  ) {}

  /** Shows or hides the operator's Moderate buttons. */
  showActions(shown: boolean): void {
    this.actions = shown;
    this.render(this.self);
  }

  /** Everyone, as USERS answered, and which of them is oneself. */
  reset(users: readonly User[], self: string): void {
    this.names = users.map((u) => u.nickname);
    this.render(self);
  }

  add(nickname: string, self: string): void {
    if (!this.names.includes(nickname)) this.names.push(nickname);
    this.render(self);
  }

  remove(nickname: string, self: string): void {
    this.names = this.names.filter((n) => n !== nickname);
    this.render(self);
  }

  rename(from: string, to: string, self: string): void {
    this.names = this.names.map((n) => (n === from ? to : n));
    this.render(self);
  }

  private moderateButton(nickname: string): HTMLButtonElement {
    const button = el('button', 'moderate', '⋯');
    button.type = 'button';
    button.title = `Moderate ${nickname}`;
    button.setAttribute('aria-label', `Moderate ${nickname}`);
    button.dataset.key = `moderate:${nickname}`;
    button.addEventListener('click', () => this.moderate(nickname));
    return button;
  }

  get all(): readonly string[] {
    return this.names;
  }

  private render(self: string): void {
    this.self = self;
    const items = this.names.map((nickname) => {
      const item = el('li');
      if (nickname === self) {
        const you = el('span', 'you', nickname);
        you.dir = 'auto';
        you.append(el('span', 'hint', ' (you)'));
        item.append(you);
      } else {
        const button = el('button', undefined, nickname);
        button.type = 'button';
        button.dir = 'auto';
        button.title = `Whisper to ${nickname}`;
        button.dataset.key = nickname;
        button.addEventListener('click', () => this.whisperTo(nickname));
        item.append(button);
        if (this.actions) item.append(this.moderateButton(nickname));
      }
      return item;
    });
    keepFocus(this.list, () => this.list.replaceChildren(...items));
  }
}

/** The rooms with members, with their counts; choosing one joins it. */
export class RoomList {
  constructor(
    private readonly list: HTMLUListElement,
    private readonly join: (room: string) => void,
  ) {}

  render(rooms: readonly RoomEntry[], current: string | undefined): void {
    const items = rooms.map((room) => {
      const item = el('li');
      const button = el('button');
      button.type = 'button';
      const name = el('span', undefined, room.name);
      name.dir = 'auto';
      button.append(name, ` (${room.userCount}/${room.capacity})`);
      button.dataset.key = room.name;
      if (room.name === current) button.setAttribute('aria-current', 'true');
      else button.addEventListener('click', () => this.join(room.name));
      item.append(button);
      return item;
    });
    keepFocus(this.list, () => this.list.replaceChildren(...items));
  }
}

/**
 * Redraws a list without losing the keyboard's place: the button that had the focus has it
 * again after the redraw, if its name is still there.
 */
function keepFocus(list: HTMLElement, redraw: () => void): void {
  const focused = document.activeElement;
  const key =
    focused instanceof HTMLElement && list.contains(focused) ? focused.dataset.key : undefined;
  redraw();
  if (key === undefined) return;
  for (const button of list.querySelectorAll<HTMLElement>('[data-key]')) {
    if (button.dataset.key === key) return button.focus();
  }
}
