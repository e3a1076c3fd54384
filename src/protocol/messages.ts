import type { Cmd } from './codes.js';
import type { RequestId } from './requests.js';

/**
 * Server messages (server -> client): direct answers, room announcements and errors
 * (docs/protocol.md, sections 4, 5 and 7). The server builds every message it sends from these
 * types, and the client library reads them with the same types.
 */

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

// ---- Direct answers ----

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
  /** Only for clients that sent `caps`: the largest request and the longest message. */
  limits?: { maxFrameBytes: number; maxMessageLength: number };
}
export interface UsersResponse extends Base<typeof Cmd.USERS_RESPONSE> {
  users: UserRow[];
}
export type WhisperNoSuchUser = Base<typeof Cmd.WHISPER_NO_SUCH_USER>;
export type WhisperMyself = Base<typeof Cmd.WHISPER_MYSELF>;
export type WhisperSuccess = Base<typeof Cmd.WHISPER_SUCCESS>;
export interface VersionResponse extends Base<typeof Cmd.VERSION_RESPONSE> {
  serverVersion: string;
  /** Only for clients that sent `caps`: the server software and version. */
  server?: string;
}
export type RenameDuplicateNickname = Base<typeof Cmd.RENAME_DUPLICATE_NICKNAME>;
export interface RenameSuccess extends Base<typeof Cmd.RENAME_SUCCESS> {
  newNickname: string;
}
export interface RttResponse extends Base<typeof Cmd.RTT_RESPONSE> {
  beginTime: unknown;
}
export interface ChatAccepted extends Base<typeof Cmd.CHAT_ACCEPTED> {
  /** Only for clients with the `history` capability: the chat's number and time (rule 12.2). */
  seq?: number;
  ts?: number;
}
/** One kept chat, as HISTORY_RESPONSE lists it (rule 12.3). */
export interface HistoryEntry {
  seq: number;
  ts: number;
  from: string;
  msg: string;
}
/** A page of the room's kept chats, in ascending `seq` (rule 12.3). */
export interface HistoryResponse extends Base<typeof Cmd.HISTORY_RESPONSE> {
  room: string;
  messages: HistoryEntry[];
  more: boolean;
  gap: boolean;
}
/** A ban as operators see it (rule 13.5); times in ms since the epoch. */
export interface BanInfo {
  id: string;
  /** The nickname as it was banned (compared as nicknames are). */
  nickname?: string;
  /** The address or CIDR block, canonical. */
  address?: string;
  reason: string;
  /** The operator who banned (or `server`, for the banned-phrase filter). */
  by: string;
  createdAt: number;
  /** null: until UNBAN. */
  expiresAt: number | null;
}
/** A mute as operators see it (rule 13.6). */
export interface MuteInfo {
  nickname: string;
  reason: string;
  by: string;
  createdAt: number;
  expiresAt: number;
}
/** One entry of the audit log (rule 13.9). */
export interface AuditEntry {
  /** Increasing: the next page's `before` is the last entry's. */
  id: number;
  at: number;
  by: string;
  action: string;
  target: string;
  reason: string;
  [detail: string]: unknown;
}
export interface OperSuccess extends Base<typeof Cmd.OPER_SUCCESS> {
  name: string;
}
export interface KickSuccess extends Base<typeof Cmd.KICK_SUCCESS> {
  nickname: string;
}
export interface BanSuccess extends Base<typeof Cmd.BAN_SUCCESS> {
  /** The first of `bans` (the nickname's, when both a nickname and an address were banned). */
  ban: BanInfo;
  bans: BanInfo[];
  /** The members the ban closed. */
  kicked: string[];
}
export interface MuteSuccess extends Base<typeof Cmd.MUTE_SUCCESS> {
  nickname: string;
  /** null: the mute was lifted. */
  expiresAt: number | null;
}
export interface UnbanSuccess extends Base<typeof Cmd.UNBAN_SUCCESS> {
  removed: BanInfo[];
}
export interface BansResponse extends Base<typeof Cmd.BANS_RESPONSE> {
  bans: BanInfo[];
  mutes: MuteInfo[];
}
export interface AuditResponse extends Base<typeof Cmd.AUDIT_RESPONSE> {
  entries: AuditEntry[];
  more: boolean;
}
export interface RoomsResponse extends Base<typeof Cmd.ROOMS_RESPONSE> {
  rooms: RoomInfo[];
  /** More rooms follow: ask again with this as `after` (rule 7.2). */
  next?: string;
}
/** The outcome of a room move that took place (JOIN or LEAVE). */
export interface MoveSuccess<C extends string> extends Base<C> {
  room: string;
  userCount: number;
}
export type JoinSuccess = MoveSuccess<typeof Cmd.JOIN_SUCCESS>;
export type JoinRoomFull = Base<typeof Cmd.JOIN_ROOM_FULL>;
export type JoinAlreadyInRoom = Base<typeof Cmd.JOIN_ALREADY_IN_ROOM>;
export type LeaveSuccess = MoveSuccess<typeof Cmd.LEAVE_SUCCESS>;
export type LeaveDefaultRoomFull = Base<typeof Cmd.LEAVE_DEFAULT_ROOM_FULL>;
export type LeaveInDefaultRoom = Base<typeof Cmd.LEAVE_IN_DEFAULT_ROOM>;

/** Every direct answer to a request, besides errors. */
export type Reply =
  | ConnectDuplicateNickname
  | ConnectChatroomFull
  | ConnectSuccess
  | UsersResponse
  | WhisperNoSuchUser
  | WhisperMyself
  | WhisperSuccess
  | VersionResponse
  | RenameDuplicateNickname
  | RenameSuccess
  | RttResponse
  | ChatAccepted
  | RoomsResponse
  | JoinSuccess
  | JoinRoomFull
  | JoinAlreadyInRoom
  | LeaveSuccess
  | LeaveDefaultRoomFull
  | LeaveInDefaultRoom
  | HistoryResponse
  | OperSuccess
  | KickSuccess
  | BanSuccess
  | MuteSuccess
  | UnbanSuccess
  | BansResponse
  | AuditResponse;

// ---- Room announcements and whispers (never carry an id) ----

export interface ChatResponse {
  cmd: typeof Cmd.CHAT_RESPONSE;
  from: string;
  msg: string;
  /** Only for clients with the `history` capability, on room chats (rule 12.2). */
  seq?: number;
  ts?: number;
}
export interface WhisperMessage {
  cmd: typeof Cmd.WHISPER_MESSAGE;
  from: string;
  msg: string;
}
export interface NewUserEnters {
  cmd: typeof Cmd.NEW_USER_ENTERS;
  nickname: string;
  userCount: number;
}
export interface ExitBroadcast {
  cmd: typeof Cmd.EXIT_BROADCAST;
  nickname: string;
  userCount: number;
  /** Only for clients that sent `caps`, when the member moved: the room it moved to. */
  room?: string;
}
export interface RenameBroadcast {
  cmd: typeof Cmd.RENAME_BROADCAST;
  nickname: string;
  newNickname: string;
}

/** A message to every member of a room (rule 8.1). */
export type Announcement = ChatResponse | NewUserEnters | ExitBroadcast | RenameBroadcast;

/**
 * Messages `from` to `to` of the room's sequence never reached this member: a cluster node lost
 * them on their way (rule 9.13). Without `from` and `to`: some may have been lost, how many is
 * unknown (Redis lost the room's numbers).
 */
export interface MessagesMissed {
  cmd: typeof Cmd.MESSAGES_MISSED;
  room: string;
  from?: number;
  to?: number;
}

// ---- Errors ----

/** An error (codes `900`..`999`, docs/errors.md). */
export interface ErrorMessage {
  cmd: string;
  id?: RequestId;
  /** Symbolic name from the error table (`ErrorName`), e.g. `INVALID_FIELD`. */
  error: string;
  /** Human-readable explanation. */
  reason: string;
  /** The `cmd` of the request that failed, when known. */
  request?: string;
  /** The offending field, for INVALID_FIELD. */
  field?: string;
  /** When a retry can succeed, for RATE_LIMITED and CONNECTION_RATE_LIMITED. */
  retryAfterMs?: number;
  /** The limit, for MESSAGE_TOO_LONG. */
  limit?: number;
  /** Present and true when the server closes the connection after this message. */
  fatal?: true;
}

/** Every message the server sends. */
export type ServerMessage = Reply | Announcement | WhisperMessage | MessagesMissed | ErrorMessage;
