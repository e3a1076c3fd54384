import { Cmd } from './codes.js';
import type { RequestCode } from './requests.js';

/**
 * How each request is answered (docs/protocol.md, section 4): the code that means success and
 * the refusals of the seed's scheme (request `N` is answered by `N0`..`N9`, rule 1.5). Errors
 * (`900`..`999`) can answer any request. EXIT is never answered. A client matches answers to
 * requests with this table, by `id` where the server echoes one, else in order.
 */
export const ANSWERS = {
  [Cmd.CONNECT]: {
    success: Cmd.CONNECT_SUCCESS,
    refusals: [Cmd.CONNECT_DUPLICATE_NICKNAME, Cmd.CONNECT_CHATROOM_FULL],
  },
  [Cmd.USERS]: { success: Cmd.USERS_RESPONSE, refusals: [] },
  [Cmd.WHISPER]: {
    success: Cmd.WHISPER_SUCCESS,
    refusals: [Cmd.WHISPER_NO_SUCH_USER, Cmd.WHISPER_MYSELF],
  },
  [Cmd.VERSION]: { success: Cmd.VERSION_RESPONSE, refusals: [] },
  [Cmd.RENAME]: { success: Cmd.RENAME_SUCCESS, refusals: [Cmd.RENAME_DUPLICATE_NICKNAME] },
  [Cmd.RTT]: { success: Cmd.RTT_RESPONSE, refusals: [] },
  [Cmd.CHAT]: { success: Cmd.CHAT_ACCEPTED, refusals: [] },
  [Cmd.ROOMS]: { success: Cmd.ROOMS_RESPONSE, refusals: [] },
  [Cmd.JOIN]: {
    success: Cmd.JOIN_SUCCESS,
    refusals: [Cmd.JOIN_ROOM_FULL, Cmd.JOIN_ALREADY_IN_ROOM],
  },
  [Cmd.LEAVE]: {
    success: Cmd.LEAVE_SUCCESS,
    refusals: [Cmd.LEAVE_DEFAULT_ROOM_FULL, Cmd.LEAVE_IN_DEFAULT_ROOM],
  },
  [Cmd.HISTORY]: { success: Cmd.HISTORY_RESPONSE, refusals: [] },
  [Cmd.OPER]: { success: Cmd.OPER_SUCCESS, refusals: [] },
  [Cmd.KICK]: { success: Cmd.KICK_SUCCESS, refusals: [] },
  [Cmd.BAN]: { success: Cmd.BAN_SUCCESS, refusals: [] },
  [Cmd.MUTE]: { success: Cmd.MUTE_SUCCESS, refusals: [] },
  [Cmd.UNBAN]: { success: Cmd.UNBAN_SUCCESS, refusals: [] },
  [Cmd.BANS]: { success: Cmd.BANS_RESPONSE, refusals: [] },
  [Cmd.AUDIT]: { success: Cmd.AUDIT_RESPONSE, refusals: [] },
} as const satisfies Readonly<
  Partial<Record<RequestCode, { success: string; refusals: readonly string[] }>>
>;

/** A request that is answered (every one but EXIT). */
export type AnsweredCode = keyof typeof ANSWERS;

const SUCCESS_CODES: ReadonlySet<string> = new Set(Object.values(ANSWERS).map((a) => a.success));

/** True when `answer` is an answer (success or refusal) to a request with code `request`. */
export function answers(request: string, answer: string): boolean {
  if (!Object.hasOwn(ANSWERS, request)) return false;
  const entry = ANSWERS[request as AnsweredCode];
  return entry.success === answer || (entry.refusals as readonly string[]).includes(answer);
}

/** True for a code that answers a request successfully. */
export function isSuccess(code: string): boolean {
  return SUCCESS_CODES.has(code);
}
