/** Protocol limits and their defaults (docs/protocol.md, section 2 and rule 4.2). */
export interface ProtocolLimits {
  /** Largest request frame, in bytes. */
  maxFrameBytes: number;
  /** Deepest nesting of objects and arrays in a request. */
  maxDepth: number;
  /** Longest nickname, in Unicode code points. */
  maxNicknameLength: number;
  /** Longest room name, in Unicode code points. */
  maxRoomNameLength: number;
}

export const DEFAULT_LIMITS: Readonly<ProtocolLimits> = {
  maxFrameBytes: 64 * 1024,
  maxDepth: 32,
  maxNicknameLength: 32,
  maxRoomNameLength: 32,
};

/** The most rooms one ROOMS answer lists, and its default page size (rule 7.2). */
export const ROOMS_PAGE = 100;
