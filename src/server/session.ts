import { Capability } from '../protocol/codes.js';
import type { ErrorName } from '../protocol/errors.js';
import type { RequestId } from '../protocol/requests.js';
import type { Writer } from './write/writer.js';

/** Where a connection comes from and what it reached, as plain values (any transport). */
export interface Endpoints {
  /** The client's address; IPv4-mapped IPv6 addresses are reported as plain IPv4. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The server address the client reached (sent as `serverAddress` in `03`). */
  readonly localAddress: string;
  readonly localPort: number;
}

/** Why a session ends; it decides the log line and the last message sent. */
export type CloseReason =
  | { readonly kind: 'exit' }
  /** The connection ended without EXIT: `clean` when the client closed it, else it broke. */
  | { readonly kind: 'lost'; readonly detail?: string; readonly clean?: boolean }
  | {
      readonly kind: 'error';
      readonly error: ErrorName;
      readonly detail?: string;
      /** The request that caused it, so the error can name it and echo its `id`. */
      readonly request?: { readonly cmd?: unknown; readonly id?: RequestId };
      /** Extra members of the error (a kick's `by`, a ban's `expiresAt`). */
      readonly fields?: Readonly<Record<string, unknown>>;
      /** The error cannot reach the client (its socket is full): do not send it. */
      readonly unsendable?: boolean;
    }
  | { readonly kind: 'refused' };

/**
 * Where the client is in its session: `new` until CONNECT, `joining` while its claim and
 * announcement are under way, `member` once it is in a room, `closing` from the moment the
 * session starts to end (nothing more is carried out).
 */
export type Phase = 'new' | 'joining' | 'member' | 'closing';

/** What a client asked for in CONNECT, besides its nickname and room (rules 3.9, 4.4). */
export interface JoinTerms {
  /** `caps` as sent; undefined when the client sent none. */
  readonly caps?: readonly string[] | undefined;
  /** The heartbeat the client promised, in milliseconds. */
  readonly heartbeatMs?: number | undefined;
}

/**
 * A session as the commands see it: everything about the client, and how to end its session.
 * Its state changes belong to membership and the connection (see {@link Session}).
 */
export interface SessionView {
  readonly id: string;
  readonly endpoints: Endpoints;
  readonly phase: Phase;
  readonly closing: boolean;
  readonly nickname: string;
  readonly room: string;
  readonly roomKey: string;
  readonly extended: boolean;
  readonly whisperCap: boolean;
  readonly historyCap: boolean;
  readonly heartbeatMs: number;
  /** The operator this session logged in as (OPER, rule 13.2), or undefined. */
  readonly operator: string | undefined;
  readonly label: string;
  /** Ends the session and its connection, saying why (a timeout, a kick, EXIT). */
  end(reason: CloseReason): void;
}

/** Whom a session works for: the connection that ends when the session does. */
export interface SessionOwner {
  close(reason: CloseReason): void;
}

/**
 * One client's session: the single owner of its state machine (phase, nickname, room,
 * capabilities). Every change goes through a method here. Membership makes the changes of a
 * join, a move and a rename, the connection the close; commands only read ({@link SessionView}).
 */
export class Session implements SessionView {
  private state: Phase = 'new';
  private nick = '';
  private roomName = '';
  private key = '';
  private extendedCaps = false;
  private numbered = false;
  private whispers = false;
  private heartbeat = 0;
  private operatorName: string | undefined;

  /**
   * @param id unique across the cluster; names this session in the directory and on the bus
   * @param writer the client's single write path
   * @param owner the connection, which {@link Session.end} closes
   */
  constructor(
    readonly id: string,
    readonly endpoints: Endpoints,
    readonly writer: Writer,
    private readonly owner: SessionOwner,
  ) {}

  get phase(): Phase {
    return this.state;
  }

  /** True from the moment the session starts to end. */
  get closing(): boolean {
    return this.state === 'closing';
  }

  /** The nickname as the member spelled it ('' before it joined). */
  get nickname(): string {
    return this.nick;
  }

  /** The room's display name ('' before the session joined one). */
  get room(): string {
    return this.roomName;
  }

  /** The room's key (`nameKey` of its name). */
  get roomKey(): string {
    return this.key;
  }

  /** The client sent `caps` in CONNECT: it gets Natter's extra response fields (rule 4.4). */
  get extended(): boolean {
    return this.extendedCaps;
  }

  /** The client asked for whispers as `72` (rule 4.4). */
  get whisperCap(): boolean {
    return this.whispers;
  }

  /** The client was granted `history`: its chats carry `seq` and `ts` (rule 12.2). */
  get historyCap(): boolean {
    return this.numbered;
  }

  /** The heartbeat the client promised, in milliseconds; 0 if none (rule 3.9). */
  get heartbeatMs(): number {
    return this.heartbeat;
  }

  /** The operator this session logged in as (OPER, rule 13.2), or undefined. */
  get operator(): string | undefined {
    return this.operatorName;
  }

  /** OPER succeeded (rule 13.2); undefined: the role was taken away (the operator was removed). */
  setOperator(name: string | undefined): void {
    if (this.state === 'member' || name === undefined) this.operatorName = name;
  }

  /** A short label for log lines: `alice (127.0.0.1:51234)`. */
  get label(): string {
    const { remoteAddress, remotePort } = this.endpoints;
    const who = this.nick === '' ? '' : `${this.nick} `;
    return `${who}(${remoteAddress}:${remotePort})`;
  }

  /** CONNECT is under way: `new` -> `joining`. */
  beginJoin(): void {
    this.expect('new', 'begin a join');
    this.state = 'joining';
  }

  /** CONNECT did not happen after all (refused, or the directory was out of reach). */
  cancelJoin(): void {
    if (this.state === 'joining') this.state = 'new';
  }

  /**
   * The join took effect where its announcement stands in the room's order: `joining` ->
   * `member`. A session that started closing meanwhile stays closing, and one whose join was
   * cancelled stays new.
   * @returns true when the session is now a member
   */
  admit(nickname: string, room: string, roomKey: string, terms: JoinTerms): boolean {
    if (this.state !== 'joining') return false;
    this.state = 'member';
    this.nick = nickname;
    this.roomName = room;
    this.key = roomKey;
    // Only what the capabilities decide is kept, never the client's own list.
    this.extendedCaps = terms.caps !== undefined;
    this.whispers = terms.caps?.includes(Capability.WHISPER) ?? false;
    this.numbered = terms.caps?.includes(Capability.HISTORY) ?? false;
    this.heartbeat = terms.heartbeatMs ?? 0;
    return true;
  }

  /** The member's nickname changed (RENAME, rule 4.10). */
  renamed(nickname: string): void {
    if (this.state === 'member') this.nick = nickname;
  }

  /** The member is now in another room (JOIN, LEAVE, rule 7.3). */
  moved(room: string, roomKey: string): void {
    if (this.state !== 'member') return;
    this.roomName = room;
    this.key = roomKey;
  }

  /**
   * Starts the end of the session, once: from here on nothing more is carried out.
   * @returns the phase it was in, or undefined when it was closing already
   */
  beginClose(): Exclude<Phase, 'closing'> | undefined {
    const was = this.state;
    if (was === 'closing') return undefined;
    this.state = 'closing';
    return was;
  }

  /** Ends the session and its connection, saying why (a timeout, a kick, EXIT). */
  end(reason: CloseReason): void {
    this.owner.close(reason);
  }

  private expect(phase: Phase, what: string): void {
    if (this.state !== phase) throw new Error(`cannot ${what} in phase ${this.state}`);
  }
}
