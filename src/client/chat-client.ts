import { Cmd } from '../protocol/codes.js';
import type { RoomInfo } from '../protocol/messages.js';
import { ClientSession } from './client-session.js';
import { NatterError } from './errors.js';
import type { HistoryPage, HistoryQuery } from './history.js';
import { messageProblem } from './limits.js';
import type { ChatReceipt } from './outbox.js';

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
 */
export class ChatClient extends ClientSession {
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

  /** Throws `TOO_LONG` for a message the server would refuse (or disconnect for). */
  private checkSize(msg: string): void {
    const problem = messageProblem(msg, this.limits);
    if (problem) throw new NatterError('TOO_LONG', `${problem} (splitMessage cuts it into parts)`);
  }
}
