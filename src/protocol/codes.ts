/**
 * Every command and response code on the wire (docs/protocol.md, section 3).
 *
 * Codes are JSON strings, compared exactly. The seed's codes keep their meaning; Natter's
 * extensions use codes the seed never sends, so a seed client simply ignores them (rule 1.6).
 * Requests use the seed's scheme: request `N` is answered by codes `N0`..`N9`.
 */
export const Cmd = {
  // --- The seed's protocol (ChatTCPServer.py) ---
  CONNECT: '0',
  CONNECT_DUPLICATE_NICKNAME: '01',
  CONNECT_CHATROOM_FULL: '02',
  CONNECT_SUCCESS: '03',
  USERS: '1',
  USERS_RESPONSE: '10',
  WHISPER: '2',
  WHISPER_NO_SUCH_USER: '20',
  WHISPER_MYSELF: '21',
  WHISPER_SUCCESS: '22',
  EXIT: '3',
  EXIT_BROADCAST: '30',
  VERSION: '4',
  VERSION_RESPONSE: '40',
  RENAME: '5',
  RENAME_DUPLICATE_NICKNAME: '50',
  RENAME_SUCCESS: '51',
  RTT: '6',
  RTT_RESPONSE: '60',
  CHAT: '7',
  CHAT_RESPONSE: '70',
  NEW_USER_ENTERS: '8',

  // --- Natter extensions ---
  /** Sent to the other members of the renamer's room (the seed tells nobody). */
  RENAME_BROADCAST: '52',
  /** Acknowledges a CHAT that carried an `id` (the seed never acknowledges a chat). */
  CHAT_ACCEPTED: '71',
  /** A whisper, for clients that asked for the `whisper` capability (the seed reuses 70). */
  WHISPER_MESSAGE: '72',
  /** Some of the room's messages did not reach this member (a cluster node lost them). */
  MESSAGES_MISSED: '73',
  ROOMS: '11',
  ROOMS_RESPONSE: '110',
  JOIN: '12',
  JOIN_SUCCESS: '120',
  JOIN_ROOM_FULL: '121',
  JOIN_ALREADY_IN_ROOM: '122',
  LEAVE: '13',
  LEAVE_SUCCESS: '130',
  LEAVE_DEFAULT_ROOM_FULL: '131',
  LEAVE_IN_DEFAULT_ROOM: '132',
  /** A page of the room's kept chats (section 12). */
  HISTORY: '14',
  HISTORY_RESPONSE: '140',
  /** Operators and moderation (section 13). */
  OPER: '15',
  OPER_SUCCESS: '150',
  KICK: '16',
  KICK_SUCCESS: '160',
  BAN: '17',
  BAN_SUCCESS: '170',
  MUTE: '18',
  MUTE_SUCCESS: '180',
  UNBAN: '19',
  UNBAN_SUCCESS: '190',
  BANS: '23',
  BANS_RESPONSE: '230',
  AUDIT: '24',
  AUDIT_RESPONSE: '240',
} as const;

/** Any code in {@link Cmd}. */
export type CmdCode = (typeof Cmd)[keyof typeof Cmd];

/** Optional protocol features a client can ask for in CONNECT's `caps` (rule 4.4). */
export const Capability = {
  /** Whispers arrive as WHISPER_MESSAGE `72` instead of the seed's CHAT_RESPONSE `70`. */
  WHISPER: 'whisper',
  /** Room chats carry `seq` and `ts`, and so does the `71` of one's own chats (rule 12.2). */
  HISTORY: 'history',
} as const;

/** The seed's SERVER_VERSION; VERSION answers with it unchanged so seed clients match it. */
export const SEED_PROTOCOL_VERSION = '1';
