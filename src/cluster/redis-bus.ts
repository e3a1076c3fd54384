import type { Redis } from 'ioredis';
import type { Bus, DeliveryReceiver, NodeDelivery, RoomDelivery } from '../backends/bus.js';
import { BackendUnavailableError } from '../backends/errors.js';
import { eventDelivery } from '../backends/membership-events.js';
import type { Logger } from '../server/logger.js';
import { BusScripts, type ChatKept, type ChatToKeep } from './redis-bus-scripts.js';
import type { RedisTime } from './redis-scripts.js';
import {
  EVENT,
  FLUSH,
  HISTORY,
  ROOM,
  WHISPER,
  KICK,
  parseEvent,
  parseHistoryFrame,
  parseRoomFrame,
  parseWhisper,
  parseKick,
} from './redis-wire.js';

/*
 * The bus on Redis pub/sub. Each room has a channel, `{p}:room:<room key>`, which a node
 * subscribes to while it has members in the room; each node has one, `{p}:node:<node id>`, for
 * whispers. Every node, the sender's own included, delivers a room's messages from its channel,
 * so every member sees them in the order Redis published them (docs/protocol.md, rule 9.4).
 *
 * Every message of a room carries the next number of the room's sequence, given by the script
 * that publishes it (redis-lua.ts): a node that finds numbers missing tells the room's members
 * (rule 9.13). The payloads are in redis-wire.ts; anything else is logged and dropped: nothing
 * foreign reaches a client (rule 9.10).
 */

/**
 * The {@link Bus} on Redis pub/sub. It needs two connections: one for publishing (through
 * scripts, each with a deadline) and one in subscriber mode.
 */
export class RedisBus implements Bus {
  private receiver: DeliveryReceiver | undefined;
  private readonly scripts: BusScripts;
  /** Room key -> how many local members (and joins under way) need the room's channel. */
  private readonly watching = new Map<string, number>();
  /** Room key -> its subscription while it is being made, which later watchers wait for too. */
  private readonly subscribing = new Map<string, Promise<unknown>>();
  /** Room key -> the number of the last message received from the room. */
  private readonly received = new Map<string, number>();
  private readonly roomPrefix: string;
  private readonly nodePrefix: string;
  private readonly nodeChannel: string;
  private dropped = 0;
  private lastDropLog = 0;
  /** flush() tokens on their way round, and whom to tell when each is back. */
  private readonly flushes = new Map<string, () => void>();
  private nextFlush = 0;
  /** The subscription connection was lost since the last recovery. */
  private interrupted = false;

  /** @param time Redis's clock, for the deadlines of what this node publishes */
  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    prefix: string,
    private readonly nodeId: string,
    private readonly logger: Logger,
    private readonly time?: RedisTime,
  ) {
    this.scripts = new BusScripts(pub, sub, prefix, time);
    this.roomPrefix = `{${prefix}}:room:`;
    this.nodePrefix = `{${prefix}}:node:`;
    this.nodeChannel = this.nodePrefix + nodeId;
    sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.onMessage(channel, message));
    // Whatever was published while the subscription was down never comes: once it is back,
    // the rooms' numbers say what is missing, also when nothing more is published there.
    sub.on('close', () => (this.interrupted = true));
    sub.on('ready', () => {
      if (this.interrupted) void this.recover();
    });
  }

  /** Subscribes to this node's own channel; call once before serving. */
  async start(): Promise<void> {
    await this.sub.subscribe(this.nodeChannel);
  }

  subscribe(receiver: DeliveryReceiver): void {
    this.receiver = receiver;
  }

  async watch(roomKey: string): Promise<void> {
    const count = this.watching.get(roomKey) ?? 0;
    this.watching.set(roomKey, count + 1);
    // A second watcher of a room whose subscription is still being made waits for it too:
    // otherwise its own announcement could be published before this node receives the room.
    let subscribed = count > 0 ? this.subscribing.get(roomKey) : undefined;
    if (count === 0) {
      subscribed = this.sub.subscribe(this.roomPrefix + roomKey);
      this.subscribing.set(roomKey, subscribed);
      const settled = () => {
        if (this.subscribing.get(roomKey) === subscribed) this.subscribing.delete(roomKey);
      };
      void subscribed.then(settled, settled);
    }
    if (!subscribed) return;
    try {
      await subscribed;
    } catch (err) {
      this.unwatch(roomKey);
      throw new BackendUnavailableError(`redis: ${(err as Error).message}`);
    }
  }

  unwatch(roomKey: string): void {
    const count = this.watching.get(roomKey);
    if (count === undefined) return; // never more unwatches than watches
    if (count > 1) {
      this.watching.set(roomKey, count - 1);
      return;
    }
    this.watching.delete(roomKey);
    this.received.delete(roomKey);
    // A watch that came meanwhile has subscribed again after this, on the same connection.
    this.sub.unsubscribe(this.roomPrefix + roomKey).catch(() => undefined);
  }

  /**
   * Publishes through a script, with a deadline: resolves once Redis has published it; rejects
   * with BackendUnavailableError when Redis could not be reached or answered too late, and then
   * it is never published (rule 9.8). Membership marks travel only in the directory's events.
   */
  publish(delivery: RoomDelivery | NodeDelivery): Promise<void> {
    return this.scripts.publish(delivery);
  }

  /**
   * Publishes a chat that is kept in its room's history (redis-history.ts): numbered in the
   * room's history and delivered with its seq and ts, in one script, so that seq order is the
   * room's order on every node; a resend of a cid within the window is published to nobody.
   * Deadline, fence and failures as for {@link publish}.
   */
  publishChat(chat: ChatToKeep): Promise<ChatKept> {
    return this.scripts.publishChat(chat);
  }

  async flush(): Promise<void> {
    if (this.pub.status !== 'ready' || this.sub.status !== 'ready') return;
    const token = `${this.nodeId}.${this.nextFlush++}`;
    const back = new Promise<void>((resolve) => this.flushes.set(token, resolve));
    // Published after everything this node published before, on the same connection (the
    // turn's held chats sent first): when it is back, so is all of that.
    this.scripts.sendHeld();
    await this.pub.publish(this.nodeChannel, `F${token}`);
    await back;
  }

  async close(): Promise<void> {
    this.receiver = undefined;
    this.watching.clear();
    for (const resolve of this.flushes.values()) resolve();
    this.flushes.clear();
  }

  /** A message from Redis: validated, numbered, then handed to the node's receiver. */
  private onMessage(channelBytes: Buffer, message: Buffer): void {
    const receiver = this.receiver;
    if (!receiver) return;
    const channel = channelBytes.toString('utf8');
    // Another part of the node shares the subscription (moderation's changes): not the bus's.
    if (channel !== this.nodeChannel && !channel.startsWith(this.roomPrefix)) return;
    const kind = message[0];
    if (
      (kind === ROOM || kind === HISTORY || kind === EVENT) &&
      channel.startsWith(this.roomPrefix)
    ) {
      const room = channel.slice(this.roomPrefix.length);
      // Still arriving after the last member here left (until Redis has the unsubscribe).
      if (!this.watching.has(room)) return;
      const parsed =
        kind === ROOM
          ? parseRoomFrame(room, message)
          : kind === HISTORY
            ? parseHistoryFrame(room, message)
            : parseEvent(room, message);
      if (!parsed) return this.drop(channel, 'not a room message');
      this.follow(room, parsed.seq, receiver);
      receiver('event' in parsed ? eventDelivery(parsed.event) : parsed.delivery);
    } else if (kind === WHISPER && channel === this.nodeChannel) {
      const whisper = parseWhisper(message);
      if (!whisper) return this.drop(channel, 'not a whisper');
      receiver({ kind: 'whisper', node: this.nodeId, ...whisper });
    } else if (kind === KICK && channel === this.nodeChannel) {
      const kick = parseKick(message);
      if (!kick) return this.drop(channel, 'not a kick');
      receiver({ kind: 'kick', node: this.nodeId, ...kick });
    } else if (kind === FLUSH && channel === this.nodeChannel) {
      const token = message.toString('latin1', 1);
      this.flushes.get(token)?.();
      this.flushes.delete(token);
    } else {
      this.drop(channel, 'an unknown kind of message');
    }
  }

  /**
   * Follows a room's sequence: numbers missing between the last message and this one were lost
   * on the way to this node, and the room's members here are told (rule 9.13). A number that
   * does not follow on (not larger) means the room's numbering started over while this node
   * had members there: Redis lost its data, and with it whatever it had not yet sent on, so the
   * members are told that an unknown number may be missing.
   */
  private follow(room: string, seq: number, receiver: DeliveryReceiver): void {
    const last = this.received.get(room);
    this.received.set(room, seq);
    if (last === undefined) return;
    if (seq > last + 1) receiver({ kind: 'gap', room, from: last + 1, to: seq - 1 });
    else if (seq <= last) receiver({ kind: 'gap', room });
  }

  /**
   * After the subscription came back: resubscribes every watched room (waiting until Redis has
   * it), reads each room's sequence number, then lets everything published up to that point
   * arrive (a flush); numbers up to there that never came were lost, and are reported as a gap.
   * Tried again while Redis is not answering.
   */
  private async recover(): Promise<void> {
    if (!this.interrupted) return;
    this.interrupted = false;
    const watched = [...this.watching.keys()];
    const rooms = watched.filter((room) => this.received.has(room));
    if (!watched.length) return;
    try {
      await this.sub.subscribe(...watched.map((room) => this.roomPrefix + room));
      // What had arrived before the numbers are read: anything arriving later is newer.
      const before = rooms.map((room) => this.received.get(room));
      const numbers = await this.scripts.sequences(rooms);
      if (this.pub.status !== 'ready' || this.sub.status !== 'ready') throw new Error('not ready');
      await this.flush();
      const receiver = this.receiver;
      numbers.forEach((value, i) => {
        const room = rooms[i]!;
        const last = this.received.get(room);
        const then = before[i];
        if (!receiver || last === undefined || !this.watching.has(room)) return;
        const now = value === null ? 0 : Number(value);
        if (now > last) {
          this.received.set(room, now);
          receiver({ kind: 'gap', room, from: last + 1, to: now });
        } else if (then !== undefined && now < then && last === then) {
          // The numbering started over (Redis lost its data), and no message since said so:
          // how much is gone is unknown.
          this.received.delete(room);
          receiver({ kind: 'gap', room });
        }
      });
    } catch {
      // Redis went away again: the next 'ready' tries again; until then, try on a timer.
      this.interrupted = true;
      setTimeout(() => {
        if (this.sub.status === 'ready') void this.recover();
      }, 500).unref();
    }
  }

  /** Foreign or malformed data on a channel: never delivered, logged at most every 10 s. */
  private drop(channel: string, what: string): void {
    this.dropped++;
    const now = Date.now();
    if (now - this.lastDropLog < 10_000) return;
    this.lastDropLog = now;
    this.logger.warn(
      `dropped ${this.dropped} malformed message(s) from redis; last: ${what} on ${channel}`,
    );
    this.dropped = 0;
  }
}
