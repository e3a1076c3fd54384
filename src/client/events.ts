import { Cmd } from '../protocol/codes.js';
import { isErrorCode } from '../protocol/errors.js';
import type {
  Announcement,
  ErrorMessage,
  MessagesMissed,
  ServerMessage,
  WhisperMessage,
} from '../protocol/messages.js';
import type { NatterError } from './errors.js';

/** Something that happened in the chat, as the client receives it. */
export type ChatEvent =
  /**
   * A chat in this client's room. `seq` (its number in the room) and `ts` (when the server
   * accepted it, in milliseconds since the epoch) come from a server that keeps history.
   * `missed` marks a chat said while the connection was down, caught up on after a reconnect.
   */
  | { type: 'chat'; from: string; msg: string; seq?: number; ts?: number; missed?: true }
  | { type: 'whisper'; from: string; msg: string }
  | { type: 'join'; nickname: string; userCount: number }
  | { type: 'leave'; nickname: string; userCount: number }
  /** A member moved to another room (`userCount`: the members left in this one). */
  | { type: 'move'; nickname: string; room: string; userCount: number }
  | { type: 'rename'; nickname: string; newNickname: string }
  /** Messages of the room never arrived: numbers `from` to `to`, or unknown how many. */
  | { type: 'missed'; room: string; from?: number; to?: number }
  | { type: 'serverError'; error: NatterError }
  /**
   * With `reconnect`: the connection was lost (attempt 1), or an attempt to get it back failed;
   * the next attempt is in `delayMs`. `error` says why.
   */
  | { type: 'reconnecting'; attempt: number; delayMs: number; error: NatterError }
  /**
   * With `reconnect`: joined again, as `nickname` in `room`. The chats missed meanwhile follow
   * as `chat` events, in order, before any chat that arrived after the reconnect.
   */
  | { type: 'reconnected'; nickname: string; room?: string }
  /**
   * With `reconnect`: chats of `room` after number `after` could not all be had again (the
   * server no longer keeps them, or did not answer): some that were missed are lost.
   */
  | { type: 'gap'; room: string; after: number };

/**
 * A message from the server as the decoder delivered it: a JSON object, read through the
 * protocol's type for its `cmd`. It stays a plain record too, because a {@link NatterError}
 * keeps the whole message as its `response`.
 */
export type Received<M extends ServerMessage = ServerMessage> = M & Record<string, unknown>;

/**
 * True when a decoded frame has a string `cmd`, the one thing the client checks before reading
 * it as a server message. The rest of the shape is the server's word, as for any client of the
 * seed protocol; where a wrong type would reach the caller as a lie (events, VERSION, RTT) the
 * fields are converted instead of trusted.
 */
export function isServerMessage(frame: Record<string, unknown>): frame is Received {
  return typeof frame.cmd === 'string';
}

/** True for an error (`900`..`999`), whether it answers a request or stands alone. */
export function isErrorMessage(message: Received): message is Received<ErrorMessage> {
  return isErrorCode(message.cmd);
}

/** The codes that tell of something that happened, rather than answer a request. */
const EVENT_CODES: ReadonlySet<string> = new Set([
  Cmd.CHAT_RESPONSE,
  Cmd.WHISPER_MESSAGE,
  Cmd.NEW_USER_ENTERS,
  Cmd.EXIT_BROADCAST,
  Cmd.RENAME_BROADCAST,
  Cmd.MESSAGES_MISSED,
]);

/** True for a room announcement or a whisper: a message that becomes a {@link ChatEvent}. */
export function isEventMessage(
  message: Received,
): message is Received<Announcement | WhisperMessage | MessagesMissed> {
  return EVENT_CODES.has(message.cmd);
}

/**
 * The event an announcement or whisper stands for. Every field goes through `String` or
 * `Number`, so an event always has the types {@link ChatEvent} promises, whatever arrived.
 */
export function toEvent(message: Announcement | WhisperMessage | MessagesMissed): ChatEvent {
  switch (message.cmd) {
    case Cmd.CHAT_RESPONSE:
      return chatEvent(message);
    case Cmd.WHISPER_MESSAGE:
      return { type: 'whisper', from: String(message.from), msg: String(message.msg) };
    case Cmd.NEW_USER_ENTERS:
      return {
        type: 'join',
        nickname: String(message.nickname),
        userCount: Number(message.userCount),
      };
    case Cmd.EXIT_BROADCAST:
      // A Natter server names the room of a move (the client sends `caps`); the seed cannot.
      if (typeof message.room === 'string') {
        return {
          type: 'move',
          nickname: String(message.nickname),
          room: message.room,
          userCount: Number(message.userCount),
        };
      }
      return {
        type: 'leave',
        nickname: String(message.nickname),
        userCount: Number(message.userCount),
      };
    case Cmd.RENAME_BROADCAST:
      return {
        type: 'rename',
        nickname: String(message.nickname),
        newNickname: String(message.newNickname),
      };
    case Cmd.MESSAGES_MISSED:
      return {
        type: 'missed',
        room: String(message.room),
        ...(typeof message.from === 'number' ? { from: message.from } : {}),
        ...(typeof message.to === 'number' ? { to: message.to } : {}),
      };
  }
}

/** A chat event, with its number and time when the server sent both (rule 12.2). */
export function chatEvent(message: {
  from: unknown;
  msg: unknown;
  seq?: unknown;
  ts?: unknown;
}): Extract<ChatEvent, { type: 'chat' }> {
  const event: Extract<ChatEvent, { type: 'chat' }> = {
    type: 'chat',
    from: String(message.from),
    msg: String(message.msg),
  };
  if (Number.isSafeInteger(message.seq) && Number.isFinite(message.ts)) {
    event.seq = message.seq as number;
    event.ts = message.ts as number;
  }
  return event;
}
