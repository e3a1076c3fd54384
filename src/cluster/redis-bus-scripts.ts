import type { Redis } from 'ioredis';
import type { NodeDelivery, RoomDelivery } from '../backends/bus.js';
import { BackendUnavailableError } from '../backends/errors.js';
import { BUS_SCRIPTS } from './redis-bus-lua.js';
import {
  Scripts,
  fencedError,
  holdUntilNextCommand,
  lateError,
  sendHeld,
  type RedisTime,
} from './redis-scripts.js';

/**
 * At most this many chats in one script: a script holds Redis for its duration (about 3 µs a
 * chat), so a very busy turn is sent in a few.
 */
const MAX_CHATS_PER_SCRIPT = 256;

/** A chat to publish and keep in its room's history: the arguments of `publishChat`. */
export interface ChatToKeep {
  readonly room: string;
  /** The sender's member id, which the deliveries skip (and the fence checks). */
  readonly except: string;
  /** CHAT_RESPONSE `70` as a seed client gets it. */
  readonly frame: Uint8Array;
  readonly from: string;
  readonly msg: string;
  /** '' for none. */
  readonly cid: string;
  /** maxPerRoom, maxAgeMs ('0': none), dedupeWindowMs, dedupeWindowChats, as the script takes them. */
  readonly limits: readonly string[];
}

/** What `publishChat` decided (redis-history-lua.ts). */
export interface ChatKept {
  readonly seq: number;
  readonly ts: number;
  readonly duplicate: boolean;
}

/** A chat held for the turn's script, and how to settle its caller. */
interface HeldChat {
  readonly chat: ChatToKeep;
  readonly deadline: string;
  resolve(kept: ChatKept): void;
  reject(err: unknown): void;
}

/**
 * The bus's scripts on the command connection: what a node publishes (each with a deadline, a
 * turn's publishes written to Redis at once) and the rooms' sequence numbers it reads back.
 */
export class BusScripts {
  private readonly scripts: Scripts<keyof typeof BUS_SCRIPTS>;
  /** The command connection's socket while it holds this turn's publishes for one write. */
  private corked: { uncork(): void } | undefined;
  /** The chats of this turn not yet sent, in the order they were made. */
  private chats: HeldChat[] = [];

  /**
   * @param pub the command connection, which publishes
   * @param sub the subscription connection, which must be up for anything to be published
   * @param time Redis's clock, for the deadlines of what this node publishes
   */
  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    prefix: string,
    private readonly time?: RedisTime,
  ) {
    this.scripts = new Scripts(pub, prefix, BUS_SCRIPTS);
  }

  /**
   * Publishes through a script, with a deadline: resolves once Redis has published it; rejects
   * with BackendUnavailableError when Redis could not be reached or answered too late, and then
   * it is never published (rule 9.8).
   */
  async publish(delivery: RoomDelivery | NodeDelivery): Promise<void> {
    const deadline = this.begin();
    let published: unknown;
    if (delivery.kind === 'room') {
      const { room, except = '', frame } = delivery;
      // Commands go out in order on one connection: one node's deliveries stay in order.
      published = await this.scripts.call('publishRoom', room, deadline, except, bytes(frame));
    } else if (delivery.kind === 'whisper') {
      const body = JSON.stringify({ to: delivery.to, from: delivery.from, msg: delivery.msg });
      const sender = delivery.sender ?? '';
      published = await this.scripts.call(
        'publishNode',
        delivery.node,
        deadline,
        sender,
        'W' + body,
      );
    } else {
      const { node, to, by, reason } = delivery;
      const body = JSON.stringify({ to, by, reason });
      published = await this.scripts.call('publishNode', node, deadline, '', 'K' + body);
    }
    check(published);
  }

  /**
   * Numbers, keeps and publishes a chat (or recognises a resend by its cid, and publishes
   * nothing), in the room's order; with the deadline, fence and failures of {@link publish}.
   * The chats of one event-loop turn go to Redis together, in one script (`publishChats`,
   * redis-history-lua.ts), at the end of the turn or before this connection's next command,
   * whichever is first: a script call and the clock, the counters and the trimming of each
   * room once per turn rather than once per chat.
   */
  publishChat(chat: ChatToKeep): Promise<ChatKept> {
    const deadline = this.begin();
    if (this.chats.length > 0 && this.chats[0]!.chat.limits !== chat.limits) this.sendChats();
    return new Promise((resolve, reject) => {
      this.chats.push({ chat, deadline, resolve, reject });
      if (this.chats.length === 1) holdUntilNextCommand(this.pub, this.sendChats);
      else if (this.chats.length >= MAX_CHATS_PER_SCRIPT) sendHeld(this.pub);
    });
  }

  /** Sends the chats held for this turn in one script, and settles each with its answer. */
  private readonly sendChats = (): void => {
    const chats = this.chats;
    if (chats.length === 0) return;
    this.chats = [];
    // The first chat's deadline is the earliest: the script runs by it or not at all.
    const args: (string | Buffer)[] = [chats[0]!.deadline, ...chats[0]!.chat.limits];
    for (const { chat } of chats) {
      args.push(chat.room, chat.except, bytes(chat.frame), chat.from, chat.msg, chat.cid);
    }
    this.scripts.call('publishChats', ...args).then(
      (reply) => {
        if (reply === 0) {
          for (const { reject } of chats) reject(lateError());
          return;
        }
        const numbers = reply as number[];
        chats.forEach(({ resolve, reject }, i) => {
          const seq = numbers[3 * i]!;
          if (seq === -1) return reject(fencedError());
          resolve({ seq, ts: numbers[3 * i + 1]!, duplicate: numbers[3 * i + 2] === 1 });
        });
      },
      (err: unknown) => {
        for (const { reject } of chats) reject(err);
      },
    );
  };

  /** Sends the chats held for this turn now (before a command on another connection). */
  sendHeld(): void {
    sendHeld(this.pub);
  }

  /** The rooms' sequence numbers (null for a room whose sequence is gone). */
  async sequences(rooms: string[]): Promise<(string | null)[]> {
    return (await this.scripts.read('sequences', ...rooms)) as (string | null)[];
  }

  /**
   * Checks that both connections are up (a message is only accepted if this node also
   * receives: the room's order comes back through the subscription, rule 9.8), holds the write
   * for the turn, and gives the deadline.
   */
  private begin(): string {
    if (this.pub.status !== 'ready' || this.sub.status !== 'ready') {
      throw new BackendUnavailableError(`redis is ${this.pub.status} / ${this.sub.status}`);
    }
    this.batch();
    return this.time?.deadline() ?? '';
  }

  /**
   * Holds what this turn of the event loop publishes for one write to Redis (the chats of many
   * clients read in one turn): one system call on each side instead of one per chat. Each
   * command still leaves at once, in order, with its own timeout; only the write is shared.
   */
  private batch(): void {
    const socket = this.pub.stream;
    if (!socket || this.corked === socket) return;
    socket.cork();
    this.corked = socket;
    setImmediate(() => {
      sendHeld(this.pub);
      this.corked = undefined;
      socket.uncork();
    });
  }
}

function bytes(frame: Uint8Array): Buffer {
  return Buffer.from(frame.buffer, frame.byteOffset, frame.length);
}

/** A script that says `late` (0) or `fenced` (-1) did nothing. */
function check(reply: unknown): void {
  if (reply === 0) throw lateError();
  if (reply === -1) throw fencedError();
}
