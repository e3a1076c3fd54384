import { Cmd } from '../protocol/codes.js';
import { ErrorCode } from '../protocol/errors.js';
import type { RequestOf } from '../protocol/requests.js';
import type { RoomInfo } from '../protocol/messages.js';
import { ClientSession } from './client-session.js';
import { NatterError } from './errors.js';
import type { HistoryPage, HistoryQuery } from './history.js';
import { messageProblem } from './limits.js';
import {
  auditRequest,
  banRequest,
  expiry,
  listOf,
  toAuditEntry,
  toBan,
  stringsOf,
  toMute,
  unbanRequest,
  type AuditPage,
  type AuditQuery,
  type BanInfo,
  type BanList,
  type BanOptions,
  type BanResult,
  type UnbanOptions,
} from './moderation.js';
import type { ChatReceipt } from './outbox.js';
import type { SuccessOf } from './request-tracker.js';

/** The requests only an operator may send. */
type ModerationCode =
  | typeof Cmd.KICK
  | typeof Cmd.BAN
  | typeof Cmd.MUTE
  | typeof Cmd.UNBAN
  | typeof Cmd.BANS
  | typeof Cmd.AUDIT;

/** A member as USERS reports it. */
export interface User {
  nickname: string;
  ip: string;
  port: number;
}

/**
 * A connected chat client. Every command method resolves with the server's answer or rejects
 * with a {@link NatterError} carrying the answer's code. Incoming chats, whispers and presence
 * changes arrive as events (`chat`, `whisper`, `join`, `leave`, `rename`, and `event` for all)
 * and through the async iterator.
 *
 * Made with `connect({ reconnect })`, a client outlives its connection: when it is lost, the
 * client connects again (`reconnecting` events), rejoins as the same nickname in the same
 * room (`reconnected`), gives the chats it missed meanwhile as `chat` events, in order, and
 * sends again the chats that were not acknowledged. While it is away, `chat()` waits for the
 * connection; the other commands reject with code `RECONNECTING`, and those under way when
 * it was lost with the loss's error.
 *
 * An operator (after {@link oper}) can kick, ban and mute members and read the bans and the
 * audit log. A member an operator kicks or bans is closed: `close` (and `closed()`) gives the
 * error, code `929` (KICKED) or `931` (BANNED), with its `by`, `reason` and `expiresAt`, and
 * `reconnect` does not bring it back. A muted member's `chat()`, `whisper()` and `rename()`
 * reject with code `932` (MUTED), whose `retryAfterMs` says when the mute ends: the chat was not
 * delivered, and is not sent again.
 */
export class ChatClient extends ClientSession {
  /**
   * The operator name this session logged in with ({@link oper}), or undefined. A new
   * connection (after a reconnect) is a new session, not an operator until `oper()` again; and
   * an operator taken out of the server's configuration is told so by a `928` (NOT_PERMITTED),
   * after which this is undefined too.
   */
  operator: string | undefined;

  constructor(...args: ConstructorParameters<typeof ClientSession>) {
    super(...args);
    // Registered first, so it runs before the application hears of the reconnect.
    this.on('reconnected', () => (this.operator = undefined));
  }

  /** USERS: the members of this client's room, in join order. */
  async users(): Promise<User[]> {
    const answer = await this.live().requests.request({ cmd: Cmd.USERS });
    return answer.users.map(([nickname, ip, port]) => ({ nickname, ip, port }));
  }

  /** WHISPER: rejects with code `20` (no such user), `21` (yourself) or `TOO_LONG`. */
  async whisper(to: string, msg: string): Promise<void> {
    this.checkSize(msg);
    await this.live().requests.request({ cmd: Cmd.WHISPER, to, msg });
  }

  /**
   * CHAT to this client's room. Against Natter it resolves once the server has accepted the
   * message, with its `seq` and `ts` when the server keeps history (else undefined); against a
   * seed server (which never answers a chat) once it is written. Against a server that keeps
   * history each chat carries a `cid`, so a client made with `reconnect` can send again a chat
   * whose acknowledgement was lost without it being delivered twice; one sent while the
   * connection is down goes once it is back. Either way the promise resolves then.
   */
  async chat(msg: string): Promise<ChatReceipt | undefined> {
    this.checkSize(msg);
    return this.sendChat(msg);
  }

  /**
   * HISTORY: a page of the chats the server keeps for this client's room, in ascending `seq`.
   * Without `before` or `after`, the newest `limit` (default 50, at most 200); `before`
   * scrolls back (pass the first `seq` of the page before), `after` catches up (pass the last
   * `seq` seen). Rejects with `ENOTSUP` when the server keeps no history.
   */
  async history(query: HistoryQuery = {}): Promise<HistoryPage> {
    const link = this.live();
    if (!link.history) throw new NatterError('ENOTSUP', 'the server keeps no history');
    return this.readHistory(link, query);
  }

  /** VERSION: the protocol version (`serverVersion`) and, from Natter, the software name. */
  async version(): Promise<{ serverVersion: string; server?: string }> {
    const answer = await this.live().requests.request({ cmd: Cmd.VERSION });
    // Converted and checked: the result must have the types it promises, whatever arrived.
    const result: { serverVersion: string; server?: string } = {
      serverVersion: String(answer.serverVersion),
    };
    if (typeof answer.server === 'string') result.server = answer.server;
    return result;
  }

  /** RENAME: rejects with code `50` when the nickname is taken. */
  async rename(newNickname: string): Promise<void> {
    await this.live().requests.request({ cmd: Cmd.RENAME, newNickname });
    this.nickname = newNickname;
  }

  /** RTT: the round trip to the server and back, in milliseconds. */
  async rtt(): Promise<number> {
    return this.live().rtt();
  }

  /**
   * ROOMS: every room with members, the default room first. A server with many rooms answers in
   * pages (rule 7.2): this asks for up to `maxPages` of them.
   */
  async rooms(maxPages = 100): Promise<RoomInfo[]> {
    const requests = this.live().requests;
    let answer = await requests.request({ cmd: Cmd.ROOMS });
    const list = [...answer.rooms];
    for (let page = 1; answer.next !== undefined && page < maxPages; page++) {
      answer = await requests.request({ cmd: Cmd.ROOMS, after: answer.next });
      list.push(...answer.rooms);
    }
    return list;
  }

  /** JOIN a room (created if needed): rejects with `121` (full) or `122` (already there). */
  async joinRoom(room: string): Promise<{ room: string; userCount: number }> {
    const answer = await this.live().requests.request({ cmd: Cmd.JOIN, room });
    this.learnPlace();
    return { room: String(answer.room), userCount: answer.userCount };
  }

  /** LEAVE to the default room: rejects with `131` (it is full) or `132` (already there). */
  async leaveRoom(): Promise<{ room: string; userCount: number }> {
    const answer = await this.live().requests.request({ cmd: Cmd.LEAVE });
    this.learnPlace();
    return { room: String(answer.room), userCount: answer.userCount };
  }

  /**
   * OPER: logs this session in as an operator. Rejects with `927` (OPER_FAILED) for a wrong name
   * or password (the same for both), or `916` (RATE_LIMITED) after too many failures. The
   * password travels as typed: use TLS beyond a trusted network.
   */
  async oper(name: string, password: string): Promise<{ name: string }> {
    const answer = await this.live().requests.request({ cmd: Cmd.OPER, name, password });
    this.operator = typeof answer.name === 'string' ? answer.name : name;
    return { name: this.operator };
  }

  /**
   * KICK: disconnects the member with this nickname (it gets `929` KICKED, with `reason`);
   * resolves once it is gone. Rejects with `930` (NO_SUCH_MEMBER), `928` (NOT_PERMITTED: not an
   * operator) or `906` (aimed at oneself, or a reason over 300 characters).
   */
  async kick(nickname: string, reason?: string): Promise<{ nickname: string }> {
    const answer = await this.moderate({
      cmd: Cmd.KICK,
      nickname,
      ...(reason !== undefined ? { reason } : {}),
    });
    return { nickname: String(answer.nickname) };
  }

  /**
   * BAN a nickname, an address or CIDR block, or both, for `durationMs` or until lifted: every
   * member it matches is disconnected (`931` BANNED), and no one it matches can connect until
   * it ends. A new ban of the same nickname or block replaces the old one. Rejects with `EINVAL`
   * (neither given), `928` (not an operator) or `906` (a bad address or duration, or oneself).
   */
  async ban(options: BanOptions): Promise<BanResult> {
    const answer = await this.moderate(banRequest(options));
    const ban = toBan(answer.ban as unknown as Record<string, unknown>);
    const bans = listOf(answer.bans, toBan);
    return { ban, bans: bans.length > 0 ? bans : [ban], kicked: stringsOf(answer.kicked) };
  }

  /**
   * UNBAN: lifts every active ban of this nickname (compared as nicknames are), of exactly this
   * address or block, or with this id. Resolves with the bans lifted: none when none matched.
   */
  async unban(options: UnbanOptions): Promise<{ removed: BanInfo[] }> {
    const answer = await this.moderate(unbanRequest(options));
    return { removed: listOf(answer.removed, toBan) };
  }

  /**
   * MUTE: for `durationMs` the member (and anyone who takes the nickname) reads but cannot
   * chat, whisper or rename. Muting a nickname nobody holds is allowed: the mute waits for it.
   * `durationMs` 0 lifts the mute (see {@link unmute}); `expiresAt` is then null.
   */
  async mute(
    nickname: string,
    durationMs: number,
    reason?: string,
  ): Promise<{ nickname: string; expiresAt: number | null }> {
    const answer = await this.moderate({
      cmd: Cmd.MUTE,
      nickname,
      durationMs,
      ...(reason !== undefined ? { reason } : {}),
    });
    return { nickname: String(answer.nickname), expiresAt: expiry(answer.expiresAt) };
  }

  /** Lifts the mute of a nickname (MUTE with `durationMs` 0). */
  async unmute(nickname: string): Promise<{ nickname: string; expiresAt: null }> {
    const { nickname: muted } = await this.mute(nickname, 0);
    return { nickname: muted, expiresAt: null };
  }

  /** BANS: the active bans and mutes, newest first. */
  async bans(): Promise<BanList> {
    const answer = await this.moderate({ cmd: Cmd.BANS });
    return { bans: listOf(answer.bans, toBan), mutes: listOf(answer.mutes, toMute) };
  }

  /**
   * AUDIT: a page of the audit log, newest first: every OPER, kick, ban, unban, mute and unmute,
   * and what the banned-phrase filter did. `before` pages back (pass the last entry's `id`).
   */
  async audit(query: AuditQuery = {}): Promise<AuditPage> {
    const answer = await this.moderate(auditRequest(query));
    return { entries: listOf(answer.entries, toAuditEntry), more: answer.more === true };
  }

  /** An operator's request; a `928` says this session is not (or no longer) an operator. */
  private async moderate<C extends ModerationCode>(body: RequestOf<C>): Promise<SuccessOf<C>> {
    try {
      return await this.live().requests.request(body);
    } catch (err) {
      if (err instanceof NatterError && err.code === ErrorCode.NOT_PERMITTED) {
        this.operator = undefined;
      }
      throw err;
    }
  }

  /** Throws `TOO_LONG` for a message the server would refuse (or disconnect for). */
  private checkSize(msg: string): void {
    const problem = messageProblem(msg, this.limits);
    if (problem) throw new NatterError('TOO_LONG', `${problem} (splitMessage cuts it into parts)`);
  }
}
