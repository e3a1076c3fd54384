import { Cmd } from './codes.js';

/**
 * Requests (client -> server): one field table per command, from which the request types are
 * derived and against which the server checks every request (docs/protocol.md, rules 4.3 and
 * 5.2-5.5). The table is the single definition of a request's shape.
 */

/** A request correlation id: echoed on every direct response to the request (rule 4.3). */
export type RequestId = string | number;

/** Longest `id` string a request may carry (rule 4.3). */
export const MAX_ID_LENGTH = 128;

/** True when `id` is a valid request id: a string of at most 128 characters or a finite number. */
export function isRequestId(id: unknown): id is RequestId {
  return (
    (typeof id === 'string' && id.length <= MAX_ID_LENGTH) ||
    (typeof id === 'number' && Number.isFinite(id))
  );
}

/** The type a request field must have; `?` marks an optional field. */
export type FieldType = 'string' | 'string?' | 'string[]?' | 'integer' | 'integer?' | 'any';

/** What each field type holds once checked. */
interface FieldValues {
  string: string;
  'string?': string;
  'string[]?': string[];
  integer: number;
  'integer?': number;
  any: unknown;
}

/** Every request and its fields (besides `cmd` and `id`). */
export const REQUESTS = {
  [Cmd.CONNECT]: {
    nickname: 'string',
    /** Natter: join this room instead of the default one. */
    room: 'string?',
    /** Natter: optional features (rule 4.4). Sending `caps`, even empty, opts in to extra fields. */
    caps: 'string[]?',
    /** Natter: the client promises to send something at least this often (rule 3.9). */
    heartbeatMs: 'integer?',
  },
  [Cmd.USERS]: {},
  [Cmd.WHISPER]: { to: 'string', msg: 'string' },
  [Cmd.EXIT]: {},
  [Cmd.VERSION]: {},
  [Cmd.RENAME]: { newNickname: 'string' },
  [Cmd.RTT]: { beginTime: 'any' },
  /** Natter: `cid` makes a resend of the same chat harmless (rule 12.4). */
  [Cmd.CHAT]: { msg: 'string', cid: 'string?' },
  /** Natter: the page after this room name, of at most `limit` rooms (rule 7.2). */
  [Cmd.ROOMS]: { after: 'string?', limit: 'integer?' },
  [Cmd.JOIN]: { room: 'string' },
  [Cmd.LEAVE]: {},
  /** Natter: a page of the room's history (rule 12.3). */
  [Cmd.HISTORY]: { before: 'integer?', after: 'integer?', limit: 'integer?' },
  /** Natter: operators and moderation (section 13). */
  [Cmd.OPER]: { name: 'string', password: 'string' },
  [Cmd.KICK]: { nickname: 'string', reason: 'string?' },
  [Cmd.BAN]: { nickname: 'string?', address: 'string?', durationMs: 'integer?', reason: 'string?' },
  [Cmd.MUTE]: { nickname: 'string', durationMs: 'integer', reason: 'string?' },
  /** `banId`, not `id`: `id` is every request's own (rule 4.3). */
  [Cmd.UNBAN]: { nickname: 'string?', address: 'string?', banId: 'string?' },
  [Cmd.BANS]: {},
  [Cmd.AUDIT]: { before: 'integer?', limit: 'integer?' },
} as const satisfies Readonly<Record<string, Readonly<Record<string, FieldType>>>>;

/** The code of any request. */
export type RequestCode = keyof typeof REQUESTS;

type Fields<F> = {
  -readonly [K in keyof F as F[K] extends `${string}?` ? never : K]: FieldValues[F[K] & FieldType];
} & {
  -readonly [K in keyof F as F[K] extends `${string}?` ? K : never]?: FieldValues[F[K] & FieldType];
};

/** The request with code `C`, as the client sends it and as the server has checked it. */
export type RequestOf<C extends RequestCode> = { cmd: C; id?: RequestId } & Fields<
  (typeof REQUESTS)[C]
>;

export type ConnectRequest = RequestOf<typeof Cmd.CONNECT>;
export type UsersRequest = RequestOf<typeof Cmd.USERS>;
export type WhisperRequest = RequestOf<typeof Cmd.WHISPER>;
export type ExitRequest = RequestOf<typeof Cmd.EXIT>;
export type VersionRequest = RequestOf<typeof Cmd.VERSION>;
export type RenameRequest = RequestOf<typeof Cmd.RENAME>;
export type RttRequest = RequestOf<typeof Cmd.RTT>;
export type ChatRequest = RequestOf<typeof Cmd.CHAT>;
export type RoomsRequest = RequestOf<typeof Cmd.ROOMS>;
export type JoinRequest = RequestOf<typeof Cmd.JOIN>;
export type LeaveRequest = RequestOf<typeof Cmd.LEAVE>;
export type HistoryRequest = RequestOf<typeof Cmd.HISTORY>;
export type OperRequest = RequestOf<typeof Cmd.OPER>;
export type KickRequest = RequestOf<typeof Cmd.KICK>;
export type BanRequest = RequestOf<typeof Cmd.BAN>;
export type MuteRequest = RequestOf<typeof Cmd.MUTE>;
export type UnbanRequest = RequestOf<typeof Cmd.UNBAN>;
export type BansRequest = RequestOf<typeof Cmd.BANS>;
export type AuditRequest = RequestOf<typeof Cmd.AUDIT>;

/** Longest `cid` a CHAT may carry (rule 12.4). */
export const MAX_CID_LENGTH = 64;
/** The most chats one HISTORY page holds, and how many it holds by default (rule 12.3). */
export const MAX_HISTORY_LIMIT = 200;
export const DEFAULT_HISTORY_LIMIT = 50;

/** Every request a client can send. */
export type Request = { [C in RequestCode]: RequestOf<C> }[RequestCode];

/** True for a known request code. */
export function isRequestCode(cmd: string): cmd is RequestCode {
  return Object.hasOwn(REQUESTS, cmd);
}

/**
 * Why a request's fields do not match its table, as `"field" problem`, or undefined when they
 * do (rule 5.5). Only own properties count: a JSON object never inherits a field.
 * @returns the first problem and the field it concerns
 */
export function fieldProblem(
  request: Readonly<Record<string, unknown>>,
  cmd: RequestCode,
): { readonly field: string; readonly problem: string } | undefined {
  const fields: Readonly<Record<string, FieldType>> = REQUESTS[cmd];
  for (const field in fields) {
    const problem = valueProblem(request, field, fields[field]!);
    if (problem) return { field, problem: `"${field}" ${problem}` };
  }
  return undefined;
}

function valueProblem(
  request: Readonly<Record<string, unknown>>,
  field: string,
  type: FieldType,
): string | undefined {
  const present = Object.hasOwn(request, field);
  const value = present ? request[field] : undefined;
  switch (type) {
    case 'any':
      return present ? undefined : 'is missing';
    case 'string':
      if (!present) return 'is missing';
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'string?':
      return !present || typeof value === 'string' ? undefined : 'must be a string';
    case 'integer':
      if (!present) return 'is missing';
      return Number.isSafeInteger(value) ? undefined : 'must be a whole number';
    case 'integer?':
      return !present || Number.isSafeInteger(value) ? undefined : 'must be a whole number';
    case 'string[]?':
      return !present || (Array.isArray(value) && value.every((v) => typeof v === 'string'))
        ? undefined
        : 'must be an array of strings';
  }
}

/** Bounds of the heartbeat a client may promise in CONNECT (rule 3.9). */
export const MIN_HEARTBEAT_MS = 1000;
export const MAX_HEARTBEAT_MS = 600_000;
