import {
  splitMessage,
  type ChatClient,
  type ChatEvent,
  type NatterError,
} from '../../src/client/browser.js';
import { byId } from './dom.js';
import { MessageList } from './message-list.js';
import { closePanels, panelToggles } from './panels.js';
import { OperatorControls } from './operator.js';
import { MemberList, RoomList } from './people.js';
import { RoomHistory } from './room-history.js';
import { sentenceFor } from './sentences.js';
import { Session } from './session.js';

/** How often the room list is refreshed while nothing else refreshes it. */
const ROOMS_EVERY_MS = 10_000;

const loginView = byId('login');
const chatView = byId('chat');
const loginForm = byId<HTMLFormElement>('login-form');
const nicknameInput = byId<HTMLInputElement>('nickname');
const loginRoomInput = byId<HTMLInputElement>('login-room');
const loginError = byId('login-error');
const status = byId('status');
const rttOut = byId('rtt');
const roomTitle = byId('room-title');
const messageBox = byId<HTMLTextAreaElement>('message');
const composeForm = byId<HTMLFormElement>('compose');
const composeError = byId('compose-error');
const whisperBar = byId('whisper-bar');
const whisperTo = byId('whisper-to');
const messages = new MessageList(byId<HTMLOListElement>('messages'));
const history = new RoomHistory(messages, byId('messages'));
const members = new MemberList(
  byId<HTMLUListElement>('member-list'),
  (nickname) => {
    closePanels();
    startWhisper(nickname);
  },
  (nickname) => operator.open(nickname),
);
const operator = new OperatorControls({
  client: () => client,
  showActions: (shown) => members.showActions(shown),
  messages,
});
const rooms = new RoomList(byId<HTMLUListElement>('room-list'), (room) => {
  closePanels();
  void joinRoom(room);
});
panelToggles();

let session: Session | undefined;
let client: ChatClient | undefined;
let whisperTarget: string | undefined;
let roomsTimer: ReturnType<typeof setTimeout> | undefined;
let unread = 0;

/** `/ws` on the server that served this page, over TLS when the page was. */
function socketUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

loginForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void login();
});

async function login(): Promise<void> {
  const nickname = nicknameInput.value.trim();
  if (!nickname) {
    loginError.textContent = 'Enter a nickname.';
    nicknameInput.focus();
    return;
  }
  loginError.textContent = '';
  const button = loginForm.querySelector('button');
  if (button) button.disabled = true;
  const candidate = new Session(socketUrl(), nickname, {
    joined: onJoined,
    users: (users) => client && members.reset(users, client.nickname),
    event: onEvent,
    lost: onLost,
    ended: onEnded,
    rtt: (ms) => (rttOut.textContent = `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`),
  });
  try {
    await candidate.start(loginRoomInput.value.trim() || undefined);
    session = candidate;
  } catch (err) {
    loginError.textContent = sentenceFor(err as NatterError, nickname);
    nicknameInput.focus();
  } finally {
    if (button) button.disabled = false;
  }
}

function onJoined(joined: ChatClient, reconnected: boolean): void {
  client = joined;
  loginView.hidden = true;
  chatView.hidden = false;
  showToggles(true);
  showRoom(joined.room);
  // A new connection is a new session: an operator must log in again.
  operator.check();
  const verb = reconnected ? 'Reconnected as ' : 'You joined as ';
  const line = messages.system(verb, messages.name(joined.nickname), ' in ', roomName(), '.');
  // The room's recent chats go before the line; after a reconnect, what was said meanwhile
  // follows it (the client library catches up from the server's history).
  if (!reconnected) {
    void history.enter(joined, joined.room, line);
    messageBox.focus();
  }
  status.textContent = `Connected as ${joined.nickname}`;
  composeError.textContent = '';
  refreshRooms();
}

/** The bar's Rooms and Members buttons (narrow screens only: style.css), while in the chat. */
function showToggles(shown: boolean): void {
  for (const id of ['show-rooms', 'show-members']) byId(id).hidden = !shown;
}

function roomName(): HTMLElement {
  return messages.name(client?.room ?? 'the lobby');
}

function showRoom(room: string | undefined): void {
  roomTitle.textContent = room ?? 'Lobby';
  showUnread();
}

function onEvent(event: ChatEvent): void {
  const self = client?.nickname ?? '';
  switch (event.type) {
    case 'chat':
      if (history.has(event.seq)) return;
      history.saw(event.seq);
      messages.chat(event.from, event.msg, event.ts);
      return noteUnread();
    case 'whisper':
      messages.whisper('in', event.from, event.msg, () => startWhisper(event.from));
      return noteUnread();
    case 'join':
      members.add(event.nickname, self);
      messages.system(messages.name(event.nickname), ' joined.');
      return refreshRoomsSoon();
    case 'leave':
      members.remove(event.nickname, self);
      operator.follow(event.nickname, undefined);
      messages.system(messages.name(event.nickname), ' left.');
      // Whispers reach any room, but not someone who has left the chat.
      if (whisperTarget === event.nickname) stopWhisper();
      return refreshRoomsSoon();
    case 'move':
      members.remove(event.nickname, self);
      operator.follow(event.nickname, undefined);
      messages.system(messages.name(event.nickname), ' moved to ', messages.name(event.room), '.');
      return refreshRoomsSoon();
    case 'rename':
      members.rename(event.nickname, event.newNickname, self);
      operator.follow(event.nickname, event.newNickname);
      messages.system(
        messages.name(event.nickname),
        ' is now ',
        messages.name(event.newNickname),
        '.',
      );
      if (whisperTarget === event.nickname) setWhisperTarget(event.newNickname);
      return;
    case 'missed':
      messages.system('Some messages of this room did not reach you.');
      return;
    case 'gap':
      history.renumbered();
      messages.system('Some of what was said while you were away is no longer kept.');
      return;
    case 'serverError':
      composeError.textContent = sentenceFor(event.error);
      return;
  }
}

function onLost(reason: NatterError | undefined, delayMs: number, attempt: number): void {
  client = undefined;
  clearTimeout(roomsTimer);
  const seconds = Math.max(1, Math.round(delayMs / 1000));
  // One line in the conversation for the loss; the attempts after it only in the status bar.
  if (attempt === 1) {
    const why = reason ? sentenceFor(reason) : 'The connection was lost.';
    messages.system(`${why} Reconnecting in ${seconds} s…`);
  }
  status.textContent = `Reconnecting in ${seconds} s…`;
  rttOut.textContent = '–';
}

function onEnded(reason: NatterError): void {
  client = undefined;
  session = undefined;
  clearTimeout(roomsTimer);
  stopWhisper();
  operator.reset();
  const sentence = sentenceFor(reason, nicknameInput.value.trim());
  // The conversation so far stays; it is there again after the next login.
  messages.system(`Disconnected. ${sentence}`);
  chatView.hidden = true;
  loginView.hidden = false;
  showToggles(false);
  closePanels();
  status.textContent = '';
  rttOut.textContent = '–';
  loginError.textContent = sentence;
  nicknameInput.focus();
}

// Enter sends, Shift+Enter starts a new line (and so does Enter while an IME is composing).
messageBox.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    composeForm.requestSubmit();
  }
});

composeForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = messageBox.value;
  if (!text.trim()) return;
  if (!client) {
    composeError.textContent =
      'Not connected: your message stays here until the connection is back.';
    return;
  }
  composeError.textContent = '';
  messageBox.value = '';
  void send(client, text, whisperTarget);
});

/** Sends a chat, or a whisper to `target`: the target is the one chosen when Send was pressed. */
async function send(to: ChatClient, text: string, target: string | undefined): Promise<void> {
  // A message over the server's limit goes as several, in order.
  for (const part of splitMessage(text, to.limits)) {
    const line = target ? messages.whisper('out', target, part) : messages.own(to.nickname, part);
    try {
      if (target) await to.whisper(target, part);
      else history.saw((await to.chat(part))?.seq);
      line.sent();
    } catch (err) {
      line.failed();
      composeError.textContent = sentenceFor(err as NatterError);
      return;
    }
  }
}

function startWhisper(nickname: string): void {
  setWhisperTarget(nickname);
  messageBox.focus();
}

/** Whom the message box whispers to; the focus stays where it is. */
function setWhisperTarget(nickname: string): void {
  whisperTarget = nickname;
  whisperTo.textContent = nickname;
  whisperBar.hidden = false;
}

function stopWhisper(): void {
  whisperTarget = undefined;
  whisperBar.hidden = true;
}

byId('whisper-cancel').addEventListener('click', () => {
  stopWhisper();
  messageBox.focus();
});

async function joinRoom(room: string): Promise<void> {
  const current = client;
  if (!current) return;
  composeError.textContent = '';
  try {
    const joined = await current.joinRoom(room);
    await enteredRoom(current, joined.room);
  } catch (err) {
    composeError.textContent = sentenceFor(err as NatterError);
  }
}

async function enteredRoom(current: ChatClient, room: string): Promise<void> {
  showRoom(room);
  const line = messages.system('You are now in ', messages.name(room), '.');
  void history.enter(current, room, line);
  members.reset(await current.users().catch(() => []), current.nickname);
  refreshRooms();
}

const roomForm = byId<HTMLFormElement>('room-form');
const roomInput = byId<HTMLInputElement>('room-name');
roomForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const room = roomInput.value.trim();
  if (!room) return;
  roomInput.value = '';
  closePanels();
  void joinRoom(room);
});

byId('leave').addEventListener('click', () => {
  const current = client;
  if (!current) return;
  composeError.textContent = '';
  closePanels();
  current
    .leaveRoom()
    .then((joined) => enteredRoom(current, joined.room))
    .catch((err: NatterError) => (composeError.textContent = sentenceFor(err)));
});

const renameForm = byId<HTMLFormElement>('rename-form');
const renameInput = byId<HTMLInputElement>('new-name');
renameForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const to = renameInput.value.trim();
  const current = client;
  if (!to || !current) return;
  const from = current.nickname;
  current.rename(to).then(
    () => {
      renameInput.value = '';
      members.rename(from, to, to);
      messages.system('You are now ', messages.name(to), '.');
      status.textContent = `Connected as ${to}`;
    },
    (err: NatterError) => (composeError.textContent = sentenceFor(err, to)),
  );
});

function refreshRooms(): void {
  clearTimeout(roomsTimer);
  const current = client;
  if (!current) return;
  current.rooms(5).then(
    (list) => rooms.render(list, current.room),
    () => undefined,
  );
  roomsTimer = setTimeout(refreshRooms, ROOMS_EVERY_MS);
}

/** Joins and leaves come in bursts: one refresh for the burst. */
function refreshRoomsSoon(): void {
  clearTimeout(roomsTimer);
  roomsTimer = setTimeout(refreshRooms, 300);
}

/** While the tab is hidden, the title counts what arrived. */
function noteUnread(): void {
  if (!document.hidden) return;
  unread++;
  showUnread();
}

function showUnread(): void {
  const room = client?.room ?? roomTitle.textContent ?? 'Lobby';
  document.title = `${unread > 0 ? `(${unread}) ` : ''}${room} – Natter`;
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden) return;
  unread = 0;
  showUnread();
});

addEventListener('pagehide', () => void session?.stop());
// A page brought back from the browser's back-forward cache had left the chat: start afresh.
addEventListener('pageshow', (event) => {
  if (event.persisted) location.reload();
});
