import type { Redis } from 'ioredis';
import { checkPageQuery, resolveHistoryOptions } from '../backends/history-options.js';
import type {
  Appended,
  HistoryLimits,
  HistoryPage,
  PageQuery,
  StoredMessage,
} from '../backends/history.js';
import type { RoomChat, RoomHistory } from '../backends/room-history.js';
import type { RedisBus } from './redis-bus.js';
import { HISTORY_SCRIPTS } from './redis-history-lua.js';
import { Scripts } from './redis-scripts.js';

/** The limits the cluster's history keeps (the sweep's do not apply: each chat trims a little). */
export type RedisHistoryLimits = Partial<
  Pick<HistoryLimits, 'maxPerRoom' | 'maxAgeMs' | 'dedupeWindowMs' | 'dedupeWindowChats'>
>;

/** Redis has the chat when the script returns: nothing more to wait for. */
const STORED = Promise.resolve();

/**
 * The cluster's {@link RoomHistory}: one history per room, in Redis, shared by every node
 * (docs/protocol.md, section 12). A chat is numbered, kept (or recognised as a resend by its
 * cid) and published by one script (`publishChats`, redis-history-lua.ts, a turn of chats at a time), on the bus's command
 * connection with its deadline, fence and batching, so a room's seqs follow the order in which
 * Redis publishes its messages (rule 9.4). Every node adds the seq and ts to the frame for its
 * members with the `history` capability as the chat arrives (redis-wire.ts, `H`).
 */
export class RedisHistory implements RoomHistory {
  private readonly scripts: Scripts<keyof typeof HISTORY_SCRIPTS>;
  /** maxPerRoom, maxAgeMs ('0': no limit), dedupeWindowMs, dedupeWindowChats, as the scripts take them. */
  private readonly limits: readonly string[];
  private closed = false;

  /**
   * @param bus the node's bus, which publishes the chats
   * @param redis the node's command connection, which reads the pages
   * @param prefix keys start with `{prefix}:`, as the bus's
   * @param limits retention and the dedupe window (default DEFAULT_HISTORY_LIMITS); a bad one
   *   throws a RangeError
   */
  constructor(
    private readonly bus: RedisBus,
    redis: Redis,
    prefix: string,
    limits: RedisHistoryLimits = {},
  ) {
    const resolved = resolveHistoryOptions(limits);
    const ms = (value: number) => String(Math.ceil(value));
    this.limits = [
      String(resolved.maxPerRoom),
      Number.isFinite(resolved.maxAgeMs) ? ms(resolved.maxAgeMs) : '0',
      ms(resolved.dedupeWindowMs),
      String(resolved.dedupeWindowChats),
    ];
    this.scripts = new Scripts(redis, prefix, HISTORY_SCRIPTS);
  }

  async publish(
    room: string,
    chat: RoomChat,
    frame: Uint8Array,
    except: string,
  ): Promise<Appended> {
    if (this.closed) throw new Error('history: closed');
    const kept = await this.bus.publishChat({
      room,
      except,
      frame,
      from: chat.from,
      msg: chat.msg,
      cid: chat.cid ?? '',
      limits: this.limits,
    });
    return { ...kept, durable: STORED };
  }

  async page(room: string, query: PageQuery): Promise<HistoryPage> {
    checkPageQuery(query);
    const { before, after, limit } = query;
    const reply = await this.scripts.read(
      'historyPage',
      room,
      before === undefined ? '' : String(before),
      after === undefined ? '' : String(after),
      String(limit),
      this.limits[0]!,
      this.limits[1]!,
    );
    const messages: StoredMessage[] = [];
    for (let i = 2; i + 3 < reply.length; i += 4) {
      const [seq, ts, from, msg] = reply.slice(i, i + 4) as [number, number, string, string];
      messages.push({ seq, ts, from, msg });
    }
    return { messages, more: reply[1] === 1, gap: reply[0] === 1 };
  }

  /** Nothing of its own to let go of: the connections are the node's. */
  async close(): Promise<void> {
    this.closed = true;
  }
}
