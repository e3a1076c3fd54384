import type { ErrorMessage } from './messages.js';
import type { RequestId } from './requests.js';

/**
 * The one table of error codes (docs/errors.md). Error codes are public API: never renumber or
 * reuse one. They live in the range `900`..`999`, which the seed never uses (rule 5.1).
 *
 * An error message on the wire is
 * `{"cmd": "<code>", "error": "<name>", "reason": "<text>", ...details}`; `fatal: true` is added
 * when the server closes the connection right after sending it.
 */
/** What the table says about one error. */
export interface ErrorInfo {
  /** The code on the wire, in `900`..`999`. */
  readonly code: string;
  /** True when the server closes the connection after sending this error. */
  readonly fatal: boolean;
  /** The default human-readable reason; a message may carry a more specific one. */
  readonly reason: string;
}

/** Every error, by name; docs/errors.md documents each entry. */
export const ERRORS = {
  INVALID_JSON: { code: '900', fatal: false, reason: 'the frame is not a valid JSON object' },
  INVALID_UTF8: { code: '901', fatal: false, reason: 'the frame is not valid UTF-8' },
  FRAME_TOO_LARGE: { code: '902', fatal: true, reason: 'the frame exceeds the size limit' },
  NESTING_TOO_DEEP: { code: '903', fatal: false, reason: 'the frame nests too deeply' },
  INVALID_REQUEST: {
    code: '904',
    fatal: false,
    reason: 'a request must be a JSON object with a string "cmd"',
  },
  UNKNOWN_COMMAND: { code: '905', fatal: false, reason: 'unknown command' },
  INVALID_FIELD: { code: '906', fatal: false, reason: 'a field is missing or has the wrong type' },
  NOT_CONNECTED: { code: '907', fatal: false, reason: 'send CONNECT ("0") first' },
  ALREADY_CONNECTED: { code: '908', fatal: false, reason: 'this connection has already joined' },
  INVALID_NICKNAME: { code: '909', fatal: false, reason: 'the nickname is not allowed' },
  INVALID_ROOM_NAME: { code: '910', fatal: false, reason: 'the room name is not allowed' },
  BANNED_PHRASE: {
    code: '911',
    fatal: true,
    reason: 'the message contains a banned phrase; you are disconnected',
  },
  SERVER_SHUTTING_DOWN: { code: '912', fatal: true, reason: 'the server is shutting down' },
  SLOW_CONSUMER: {
    code: '913',
    fatal: true,
    reason: 'too much unread data is queued for this connection',
  },
  INTERNAL_ERROR: { code: '914', fatal: false, reason: 'the server failed to handle the request' },
  MESSAGE_TOO_LONG: { code: '915', fatal: false, reason: 'the message is too long' },
  RATE_LIMITED: {
    code: '916',
    fatal: false,
    reason: 'too many requests; the request was not executed, retry after retryAfterMs',
  },
  FLOOD: {
    code: '917',
    fatal: true,
    reason: 'too many requests over the limit; you are disconnected',
  },
  REGISTRATION_TIMEOUT: { code: '918', fatal: true, reason: 'no CONNECT in time' },
  IDLE_TIMEOUT: { code: '919', fatal: true, reason: 'nothing received in time' },
  TOO_MANY_CONNECTIONS: { code: '920', fatal: true, reason: 'the server is full' },
  TOO_MANY_CONNECTIONS_FROM_IP: {
    code: '921',
    fatal: true,
    reason: 'too many connections from your address',
  },
  CONNECTION_RATE_LIMITED: {
    code: '922',
    fatal: true,
    reason: 'too many new connections from your address; retry after retryAfterMs',
  },
  BACKEND_UNAVAILABLE: {
    code: '923',
    fatal: false,
    reason: 'the chat service is briefly unavailable; the request was not carried out, retry soon',
  },
  NICKNAME_LOST: {
    code: '924',
    fatal: true,
    reason: 'this server lost contact with the cluster and your nickname was taken meanwhile',
  },
  CLUSTER_UNREACHABLE: {
    code: '925',
    fatal: true,
    reason: 'this server lost contact with the rest of the chat; connect again, to any server',
  },
  HISTORY_UNAVAILABLE: {
    code: '926',
    fatal: false,
    reason: 'history is turned off on this server',
  },
  OPER_FAILED: { code: '927', fatal: false, reason: 'wrong operator name or password' },
  NOT_PERMITTED: {
    code: '928',
    fatal: false,
    reason: 'not permitted: only an operator may do this',
  },
  KICKED: { code: '929', fatal: true, reason: 'an operator removed you from the chat' },
  NO_SUCH_MEMBER: { code: '930', fatal: false, reason: 'nobody has that nickname' },
  BANNED: { code: '931', fatal: true, reason: 'you are banned from this chat' },
  MUTED: { code: '932', fatal: false, reason: 'you are muted: you may read, not speak' },
  MESSAGE_REFUSED: {
    code: '933',
    fatal: false,
    reason: 'the message contains a phrase that is not allowed here; it was not delivered',
  },
} as const satisfies Readonly<Record<string, ErrorInfo>>;

/** The name of any error, e.g. `INVALID_FIELD`. */
export type ErrorName = keyof typeof ERRORS;

/** The code of any error, e.g. `906`. */
export type ErrorCodeValue = (typeof ERRORS)[ErrorName]['code'];

/** Every error's code, by name (derived from {@link ERRORS}). */
export const ErrorCode = Object.fromEntries(
  Object.entries(ERRORS).map(([name, info]) => [name, info.code]),
) as { readonly [K in ErrorName]: (typeof ERRORS)[K]['code'] };

const NAME_BY_CODE: ReadonlyMap<string, ErrorName> = new Map(
  (Object.keys(ERRORS) as ErrorName[]).map((name) => [ERRORS[name].code, name]),
);

/** True for any code in the error range `900`..`999`, known to this version or not. */
export function isErrorCode(cmd: string): boolean {
  return /^9\d\d$/.test(cmd);
}

/** The symbolic name of a known error code, or undefined. */
export function errorName(code: string): ErrorName | undefined {
  return NAME_BY_CODE.get(code);
}

/** What an error answers, besides its name: the request, a specific reason, extra fields. */
export interface ErrorDetails {
  /** The request that failed: its `cmd` is named (when a string) and its `id` echoed. */
  readonly request?: { readonly cmd?: unknown; readonly id?: RequestId } | undefined;
  /** A more specific reason than the table's. */
  readonly reason?: string | undefined;
  /** Extra members (`field`, `retryAfterMs`, `limit`). */
  readonly fields?: Readonly<Record<string, unknown>> | undefined;
}

/** The error message for `name` (rule 5.1): the one place its wire form is decided. */
export function errorMessage(name: ErrorName, details: ErrorDetails = {}): ErrorMessage {
  const info: ErrorInfo = ERRORS[name];
  const message: ErrorMessage = {
    cmd: info.code,
    error: name,
    reason: details.reason ?? info.reason,
  };
  const { request, fields } = details;
  if (request && typeof request.cmd === 'string') message.request = request.cmd;
  if (fields) Object.assign(message, fields);
  if (info.fatal) message.fatal = true;
  if (request?.id !== undefined) message.id = request.id;
  return message;
}
