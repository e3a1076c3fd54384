import type { Cmd } from './codes.js';
import type { ErrorName } from './errors.js';

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

/** One row of USERS_RESPONSE: `[nickname, ip, port]`, exactly as the seed sends it. */
export type UserRow = [nickname: string, ip: string, port: number];

/** One entry of ROOMS_RESPONSE. */
export interface RoomInfo {
  name: string;
  userCount: number;
  capacity: number;
}

interface Base<C extends string> {
  cmd: C;
  id?: RequestId;
}

// ---- Requests (client -> server) ----

export interface ConnectRequest extends Base<typeof Cmd.CONNECT> {
  nickname: string;
  /** Natter: join this room instead of the default one. */
  room?: string;
  /** Natter: optional features (rule 4.4). Sending `caps`, even empty, opts in to extra fields. */
  caps?: string[];
}
export type UsersRequest = Base<typeof Cmd.USERS>;
export interface WhisperRequest extends Base<typeof Cmd.WHISPER> {
  to: string;
  msg: string;
}
export type ExitRequest = Base<typeof Cmd.EXIT>;
export type VersionRequest = Base<typeof Cmd.VERSION>;
export interface RenameRequest extends Base<typeof Cmd.RENAME> {
  newNickname: string;
}
export interface RttRequest extends Base<typeof Cmd.RTT> {
  beginTime: unknown;
}
export interface ChatRequest extends Base<typeof Cmd.CHAT> {
  msg: string;
}
export type RoomsRequest = Base<typeof Cmd.ROOMS>;
export interface JoinRequest extends Base<typeof Cmd.JOIN> {
  room: string;
}
export type LeaveRequest = Base<typeof Cmd.LEAVE>;

/** Every request a client can send. */
export type Request =
  | ConnectRequest
  | UsersRequest
  | WhisperRequest
  | ExitRequest
  | VersionRequest
  | RenameRequest
  | RttRequest
  | ChatRequest
  | RoomsRequest
  | JoinRequest
  | LeaveRequest;

// ---- Server messages (server -> client) ----

export type ConnectDuplicateNickname = Base<typeof Cmd.CONNECT_DUPLICATE_NICKNAME>;
export type ConnectChatroomFull = Base<typeof Cmd.CONNECT_CHATROOM_FULL>;
export interface ConnectSuccess extends Base<typeof Cmd.CONNECT_SUCCESS> {
  /** The address the client reached: `[ip, port]`. */
  serverAddress: [string, number];
  userCount: number;
  /** Only for clients that sent `caps`: the room joined. */
  room?: string;
  /** Only for clients that sent `caps`: the capabilities granted. */
  caps?: string[];
  /** Only for clients that sent `caps`: the server software and version. */
  server?: string;
}
export interface UsersResponse extends Base<typeof Cmd.USERS_RESPONSE> {
  users: UserRow[];
}
export type WhisperNoSuchUser = Base<typeof Cmd.WHISPER_NO_SUCH_USER>;
export type WhisperMyself = Base<typeof Cmd.WHISPER_MYSELF>;
export type WhisperSuccess = Base<typeof Cmd.WHISPER_SUCCESS>;
export interface ExitBroadcast extends Base<typeof Cmd.EXIT_BROADCAST> {
  nickname: string;
  userCount: number;
}
export interface VersionResponse extends Base<typeof Cmd.VERSION_RESPONSE> {
  serverVersion: string;
  /** Only for clients that sent `caps`: the server software and version. */
  server?: string;
}
export type RenameDuplicateNickname = Base<typeof Cmd.RENAME_DUPLICATE_NICKNAME>;
export interface RenameSuccess extends Base<typeof Cmd.RENAME_SUCCESS> {
  newNickname: string;
}
export interface RenameBroadcast extends Base<typeof Cmd.RENAME_BROADCAST> {
  nickname: string;
  newNickname: string;
}
export interface RttResponse extends Base<typeof Cmd.RTT_RESPONSE> {
  beginTime: unknown;
}
export interface ChatResponse extends Base<typeof Cmd.CHAT_RESPONSE> {
  from: string;
  msg: string;
}
export type ChatAccepted = Base<typeof Cmd.CHAT_ACCEPTED>;
export interface WhisperMessage extends Base<typeof Cmd.WHISPER_MESSAGE> {
  from: string;
  msg: string;
}
export interface NewUserEnters extends Base<typeof Cmd.NEW_USER_ENTERS> {
  nickname: string;
  userCount: number;
}
export interface RoomsResponse extends Base<typeof Cmd.ROOMS_RESPONSE> {
  rooms: RoomInfo[];
}
export interface JoinSuccess extends Base<typeof Cmd.JOIN_SUCCESS> {
  room: string;
  userCount: number;
}
export type JoinRoomFull = Base<typeof Cmd.JOIN_ROOM_FULL>;
export type JoinAlreadyInRoom = Base<typeof Cmd.JOIN_ALREADY_IN_ROOM>;
export interface LeaveSuccess extends Base<typeof Cmd.LEAVE_SUCCESS> {
  room: string;
  userCount: number;
}
export type LeaveDefaultRoomFull = Base<typeof Cmd.LEAVE_DEFAULT_ROOM_FULL>;
export type LeaveInDefaultRoom = Base<typeof Cmd.LEAVE_IN_DEFAULT_ROOM>;

/** An error (codes `900`..`999`, docs/errors.md). */
export interface ErrorMessage {
  cmd: string;
  id?: RequestId;
  /** Symbolic name from the error table, e.g. `INVALID_FIELD`. */
  error: ErrorName | string;
  /** Human-readable explanation. */
  reason: string;
  /** The `cmd` of the request that failed, when known. */
  request?: string;
  /** The offending field, for INVALID_FIELD. */
  field?: string;
  /** Present and true when the server closes the connection after this message. */
  fatal?: true;
}

/** Every message the server sends. */
export type ServerMessage =
  | ConnectDuplicateNickname
  | ConnectChatroomFull
  | ConnectSuccess
  | UsersResponse
  | WhisperNoSuchUser
  | WhisperMyself
  | WhisperSuccess
  | ExitBroadcast
  | VersionResponse
  | RenameDuplicateNickname
  | RenameSuccess
  | RenameBroadcast
  | RttResponse
  | ChatResponse
  | ChatAccepted
  | WhisperMessage
  | NewUserEnters
  | RoomsResponse
  | JoinSuccess
  | JoinRoomFull
  | JoinAlreadyInRoom
  | LeaveSuccess
  | LeaveDefaultRoomFull
  | LeaveInDefaultRoom;
