import { errorName, isErrorCode } from '../protocol/errors.js';

/** Human descriptions of the seed's refusal codes. */
const REFUSALS: Readonly<Record<string, string>> = {
  '01': 'the nickname is already taken',
  '02': 'the chat room is full',
  '20': 'there is no user with that nickname',
  '21': 'you cannot whisper to yourself',
  '50': 'the nickname is already taken',
  '121': 'the room is full',
  '122': 'you are already in that room',
  '131': 'the default room is full',
  '132': 'you are already in the default room',
};

/**
 * A request the server refused, or a connection that failed. `code` is the wire code of the
 * answer (`01`, `20`, `906`...) or a network error code (`ECONNREFUSED`, `CLOSED`...).
 */
export class NatterError extends Error {
  override name = 'NatterError';

  constructor(
    readonly code: string,
    message: string,
    /** The server's message, when the error is an answer. */
    readonly response?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }

  /** True for codes in the error range (`900`..`999`, docs/errors.md). */
  get isProtocolError(): boolean {
    return isErrorCode(this.code);
  }

  /** The symbolic name of a protocol error (`INVALID_FIELD`...), if known. */
  get errorName(): string | undefined {
    return errorName(this.code);
  }

  /** The server's reason (its wording may change: match on `code`); else this error's message. */
  get reason(): string {
    const reason = this.response?.reason;
    return typeof reason === 'string' ? reason : this.message;
  }

  /**
   * The operator who acted, for KICKED `929`, BANNED `931` and MUTED `932` (or `server`, when
   * the banned-phrase filter did).
   */
  get by(): string | undefined {
    const by = this.response?.by;
    return typeof by === 'string' ? by : undefined;
  }

  /**
   * When a ban (BANNED `931`) or a mute (MUTED `932`) ends, in milliseconds since the epoch;
   * null when it lasts until an operator lifts it; undefined when the error says nothing of it.
   */
  get expiresAt(): number | null | undefined {
    if (!this.response || !Object.hasOwn(this.response, 'expiresAt')) return undefined;
    const at = this.response.expiresAt;
    return typeof at === 'number' && Number.isFinite(at) ? at : null;
  }

  /** Milliseconds until a retry can succeed: RATE_LIMITED, or MUTED until the mute ends. */
  get retryAfterMs(): number | undefined {
    const ms = this.response?.retryAfterMs;
    return typeof ms === 'number' && Number.isFinite(ms) ? ms : undefined;
  }

  /** @internal builds the error for a refusal or error message from the server. */
  static fromAnswer(message: Readonly<Record<string, unknown>> & { cmd: string }): NatterError {
    const text =
      typeof message.reason === 'string'
        ? message.reason
        : (REFUSALS[message.cmd] ?? `the server answered ${message.cmd}`);
    return new NatterError(message.cmd, text, message);
  }
}
