import type { Directory, MemberRecord } from '../../backends/directory.js';
import type { PhraseRule } from '../../moderation/phrase-rules.js';
import type { Appended, HistoryPage, PageQuery } from '../../backends/history.js';
import type { ServerConfig } from '../../config/options.js';
import { encode } from '../../protocol/encode.js';
import { errorMessage, type ErrorDetails, type ErrorName } from '../../protocol/errors.js';
import type { Counters } from '../counters.js';
import type { Reply } from '../../protocol/messages.js';
import type { RequestId } from '../../protocol/requests.js';
import type { Logger } from '../logger.js';
import type { Announcer } from '../services/announcer.js';
import type { History } from '../services/history.js';
import type {
  JoinInfo,
  JoinOutcome,
  Membership,
  MoveOutcome,
  RenameOutcome,
} from '../services/membership.js';
import type { ModerationActions } from '../services/moderation-actions.js';
import type { Moderation, Refusal } from '../services/moderation.js';
import { sanction } from '../services/phrase-sanctions.js';
import type { Policy } from '../services/policy.js';
import type { JoinTerms, Session, SessionView } from '../session.js';

/** The settings commands read. */
export type CommandSettings = Pick<
  ServerConfig,
  | 'maxUsers'
  | 'defaultRoom'
  | 'maxRoomNameLength'
  | 'hideAddresses'
  | 'maxFrameBytes'
  | 'maxMessageLength'
>;

/** What commands may read of the directory; every change goes through membership. */
export type DirectoryReads = Pick<Directory, 'members' | 'find' | 'rooms'>;

/** The services behind every command; one set per server. */
export interface Services {
  readonly directory: Directory;
  readonly membership: Membership;
  readonly announcer: Announcer;
  readonly policy: Policy;
  readonly history: History;
  /** The bans and mutes in force (section 13)... */
  readonly moderation: Moderation;
  /** ...and what operators do. */
  readonly actions: ModerationActions;
  readonly settings: CommandSettings;
  readonly logger: Logger;
  /** Requests and errors, counted for the metrics. */
  readonly counters: Counters;
}

/**
 * What a command handler is given (docs/DEVELOPING.md, "Adding a command"): the session it acts
 * for, read-only, the reads it may make, and the only ways to answer and to change anything.
 * Handlers never see the connection, its transport or the services' internals.
 */
export interface CommandContext {
  readonly session: SessionView;
  readonly directory: DirectoryReads;
  readonly policy: Policy;
  readonly settings: CommandSettings;
  readonly logger: Logger;
  /** Sends a direct answer, echoing the request's `id` when it had one (rule 4.3). */
  reply(message: Reply, id?: RequestId): void;
  /** Sends an already encoded frame to this client. */
  send(frame: Uint8Array): void;
  /** Counts a request for the metrics, by its command's name. */
  counted(command: string): void;
  /** Sends an error from the error table (docs/errors.md) in answer to `request`. */
  error(
    name: ErrorName,
    request?: ErrorDetails['request'],
    reason?: string,
    fields?: Readonly<Record<string, unknown>>,
  ): void;
  /** History is on: the `history` capability is granted and HISTORY answered (section 12). */
  readonly historyOn: boolean;
  /**
   * Delivers this session's chat to every other member of its room, on every node; with
   * history on it is numbered and kept, or recognised as a resend by `cid` and delivered to
   * nobody (rule 12.4), and what history decided is returned. In a cluster it returns a
   * promise, settled once the chat was published: a command that answers that it was accepted
   * awaits it (rule 9.8).
   */
  chat(msg: string, cid: string | undefined): void | Appended | Promise<void | Appended>;
  /** A page of this session's room's history (rule 12.3); only with history on. */
  page(query: PageQuery): HistoryPage | Promise<HistoryPage>;
  /** Delivers a whisper from this session's member to another member; settles as announce. */
  whisper(to: MemberRecord, msg: string): void | Promise<void>;
  /**
   * Claims `nickname` in `room` for this session and makes it a member (rule 4.1); `welcome` is
   * called where its membership begins, to queue the answer as its first message.
   */
  join(
    nickname: string,
    room: string,
    terms: JoinTerms,
    welcome: (joined: JoinInfo) => void,
  ): Promise<JoinOutcome>;
  /**
   * Moves this session's member to `room` (rule 7.3); `answer` is called where it enters the new
   * room, to queue the answer before the room's traffic.
   */
  move(room: string, answer: (moved: JoinInfo) => void): Promise<MoveOutcome>;
  /** Changes this session's nickname (rule 4.10). */
  rename(newNickname: string): Promise<RenameOutcome>;
  /** The mute in force on this member, as the error to answer with, or undefined (rule 13.6). */
  muted(): Refusal | undefined;
  /** The ban that holds this client under `nickname`, as the error to close with (rule 13.5). */
  banned(nickname: string): Refusal | undefined;
  /**
   * Carries out what a banned phrase's rule costs this session (rule 6.1): ends it, or mutes
   * it; returns the refusal to answer with, if any.
   */
  sanction(
    rule: PhraseRule,
    request: { readonly cmd?: unknown; readonly id?: RequestId },
  ): Refusal | undefined;
  /**
   * What operators do, on behalf of this session (section 13); the commands check that it is
   * an operator first, except OPER, which makes it one.
   */
  readonly actions: SessionActions;
}

/** {@link ModerationActions} for one session. */
export interface SessionActions {
  oper: (name: string, password: string) => ReturnType<ModerationActions['oper']>;
  kick: (operator: string, nickname: string, reason: string) => Promise<string>;
  ban: (
    operator: string,
    request: Parameters<ModerationActions['ban']>[2],
  ) => ReturnType<ModerationActions['ban']>;
  unban: ModerationActions['unban'];
  mute: (
    operator: string,
    request: Parameters<ModerationActions['mute']>[2],
  ) => ReturnType<ModerationActions['mute']>;
  list: ModerationActions['list'];
  auditPage: ModerationActions['auditPage'];
}

/** One session's context, made once per connection. */
export class SessionContext implements CommandContext {
  constructor(
    readonly session: Session,
    private readonly services: Services,
  ) {}

  get directory(): DirectoryReads {
    return this.services.directory;
  }
  get policy(): Policy {
    return this.services.policy;
  }
  get settings(): CommandSettings {
    return this.services.settings;
  }
  get logger(): Logger {
    return this.services.logger;
  }

  reply(message: Reply, id?: RequestId): void {
    if (id !== undefined) message.id = id;
    this.session.writer.send(Buffer.from(encode(message)));
  }

  send(frame: Uint8Array): void {
    this.session.writer.send(frame);
  }

  counted(command: string): void {
    this.services.counters.request(command);
  }

  error(
    name: ErrorName,
    request?: ErrorDetails['request'],
    reason?: string,
    fields?: Readonly<Record<string, unknown>>,
  ): void {
    const message = errorMessage(name, { request, reason, fields });
    this.services.counters.error(name);
    this.session.writer.send(Buffer.from(encode(message)));
  }

  get historyOn(): boolean {
    return this.services.history.enabled;
  }

  chat(msg: string, cid: string | undefined): void | Appended | Promise<void | Appended> {
    const { session } = this;
    return this.services.announcer.chat(session.roomKey, session, msg, cid);
  }

  page(query: PageQuery): HistoryPage | Promise<HistoryPage> {
    return this.services.history.page(this.session.roomKey, query);
  }

  whisper(to: MemberRecord, msg: string): void | Promise<void> {
    return this.services.announcer.whisper(to, this.session, msg);
  }

  join(
    nickname: string,
    room: string,
    terms: JoinTerms,
    welcome: (joined: JoinInfo) => void,
  ): Promise<JoinOutcome> {
    return this.services.membership.join(this.session, { nickname, room }, terms, welcome);
  }

  move(room: string, answer: (moved: JoinInfo) => void): Promise<MoveOutcome> {
    return this.services.membership.move(this.session, room, answer);
  }

  rename(newNickname: string): Promise<RenameOutcome> {
    return this.services.membership.rename(this.session, newNickname);
  }

  muted(): Refusal | undefined {
    const { moderation } = this.services;
    const mute = moderation.muteFor(this.session);
    return mute && moderation.muted(mute);
  }

  banned(nickname: string): Refusal | undefined {
    const { moderation } = this.services;
    const ban = moderation.banFor(nickname, this.session.endpoints.remoteAddress);
    return ban && moderation.banned(ban);
  }

  sanction(
    rule: PhraseRule,
    request: { readonly cmd?: unknown; readonly id?: RequestId },
  ): Refusal | undefined {
    const { moderation, logger } = this.services;
    return sanction(moderation, logger, this.session, rule, request);
  }

  get actions(): SessionActions {
    const { actions } = this.services;
    const { session } = this;
    return {
      oper: (name, password) => actions.oper(session, name, password),
      kick: (operator, nickname, reason) => actions.kick(operator, session, nickname, reason),
      ban: (operator, request) => actions.ban(operator, session, request),
      unban: (operator, request) => actions.unban(operator, request),
      mute: (operator, request) => actions.mute(operator, session, request),
      list: () => actions.list(),
      auditPage: (query) => actions.auditPage(query),
    };
  }
}
