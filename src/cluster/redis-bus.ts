import type { Redis } from 'ioredis';
import type { Bus, Delivery, DeliveryReceiver, RoomDelivery } from '../backends/bus.js';
import { BackendUnavailableError } from '../backends/errors.js';
import { eventDelivery, type MembershipEvent } from '../backends/membership-events.js';
import type { Logger } from '../server/logger.js';

/*
 * The bus on Redis pub/sub. Each room has a channel, `{p}:room:<room key>`, which a node
 * subscribes to while it has members in the room; each node has one, `{p}:node:<node id>`, for
 * whispers. Every node, the sender's own included, delivers a room's messages from its channel,
 * so every member sees them in the order Redis published them (docs/protocol.md, rule 9.4).
 *
 * Payloads: `R<except>\n<frame>` for a room frame (the member id it skips, possibly empty), `E`
 * followed by JSON for a membership event, which the directory's scripts publish atomically with
 * the change (redis-scripts.ts), `W` followed by JSON {to, from, msg} for a whisper, and
 * `F<token>` on a node's own channel for flush(). Anything else is logged and dropped, and so is
 * a room frame that is not one JSON object on one line: nothing foreign reaches a client
 * (rule 9.10).
 */

const ROOM = 0x52; // 'R'
const EVENT = 0x45; // 'E'
const WHISPER = 0x57; // 'W'
const FLUSH = 0x46; // 'F'
const LF = 0x0a;
/** Longest header (a member id) a room payload may carry. */
const MAX_HEADER = 256;

/**
 * The {@link Bus} on Redis pub/sub. It needs two connections: one for publishing and one in
 * subscriber mode.
 */
export class RedisBus implements Bus {
  private receiver: DeliveryReceiver | undefined;
  /** Room key -> how many local members (and joins under way) need the room's channel. */
  private readonly watching = new Map<string, number>();
  /** Room key -> its subscription while it is being made, which later watchers wait for too. */
  private readonly subscribing = new Map<string, Promise<unknown>>();
  private readonly roomPrefix: string;
  private readonly nodePrefix: string;
  private readonly nodeChannel: string;
  private dropped = 0;
  private lastDropLog = 0;
  /** flush() tokens on their way round, and whom to tell when each is back. */
  private readonly flushes = new Map<string, () => void>();
  private nextFlush = 0;

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    prefix: string,
    private readonly nodeId: string,
    private readonly logger: Logger,
  ) {
    this.roomPrefix = `{${prefix}}:room:`;
    this.nodePrefix = `{${prefix}}:node:`;
    this.nodeChannel = this.nodePrefix + nodeId;
    sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.onMessage(channel, message));
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
      void subscribed.then(
        () => this.subscribing.get(roomKey) === subscribed && this.subscribing.delete(roomKey),
        () => this.subscribing.get(roomKey) === subscribed && this.subscribing.delete(roomKey),
      );
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
    // A watch that came meanwhile has subscribed again after this, on the same connection.
    this.sub.unsubscribe(this.roomPrefix + roomKey).catch(() => undefined);
  }

  publish(delivery: Delivery): void {
    // A message is only accepted if this node also receives: the room's order comes back
    // through the subscription (rule 9.8).
    if (this.pub.status !== 'ready' || this.sub.status !== 'ready') {
      throw new BackendUnavailableError(`redis is ${this.pub.status} / ${this.sub.status}`);
    }
    let channel: string;
    let payload: Buffer;
    if (delivery.kind === 'room') {
      // Membership marks travel only in the directory's events, never in a node's frames.
      channel = this.roomPrefix + delivery.room;
      const head = Buffer.from(`R${delivery.except ?? ''}\n`, 'latin1');
      payload = Buffer.concat([head, delivery.frame]);
    } else {
      channel = this.nodePrefix + delivery.node;
      const body = JSON.stringify({ to: delivery.to, from: delivery.from, msg: delivery.msg });
      payload = Buffer.from('W' + body);
    }
    // Commands go out in order on one connection: one node's deliveries stay in order.
    this.pub.publish(channel, payload).catch((err: Error) => {
      this.logger.warn(`redis publish failed: ${err.message}`);
    });
  }

  async flush(): Promise<void> {
    if (this.pub.status !== 'ready' || this.sub.status !== 'ready') return;
    const token = `${this.nodeId}.${this.nextFlush++}`;
    const back = new Promise<void>((resolve) => this.flushes.set(token, resolve));
    // Published after everything this node published before, on the same connection: when it
    // is back, so is all of that.
    await this.pub.publish(this.nodeChannel, `F${token}`);
    await back;
  }

  async close(): Promise<void> {
    this.receiver = undefined;
    this.watching.clear();
    for (const resolve of this.flushes.values()) resolve();
    this.flushes.clear();
  }

  /** A message from Redis: validated, then handed to the node's receiver. */
  private onMessage(channelBytes: Buffer, message: Buffer): void {
    const receiver = this.receiver;
    if (!receiver) return;
    const channel = channelBytes.toString('utf8');
    const kind = message[0];
    if (kind === ROOM && channel.startsWith(this.roomPrefix)) {
      const delivery = roomDelivery(channel.slice(this.roomPrefix.length), message);
      if (!delivery) return this.drop(channel, 'not a room frame');
      receiver(delivery);
    } else if (kind === EVENT && channel.startsWith(this.roomPrefix)) {
      const event = membershipEvent(channel.slice(this.roomPrefix.length), message);
      if (!event) return this.drop(channel, 'not a membership event');
      receiver(eventDelivery(event));
    } else if (kind === WHISPER && channel === this.nodeChannel) {
      let body: unknown;
      try {
        body = JSON.parse(message.toString('utf8', 1));
      } catch {
        return this.drop(channel, 'a whisper that is not JSON');
      }
      const { to, from, msg } = (body ?? {}) as Record<string, unknown>;
      if (typeof to !== 'string' || typeof from !== 'string' || typeof msg !== 'string') {
        return this.drop(channel, 'a whisper without to, from and msg');
      }
      receiver({ kind: 'whisper', node: this.nodeId, to, from, msg });
    } else if (kind === FLUSH && channel === this.nodeChannel) {
      const token = message.toString('latin1', 1);
      this.flushes.get(token)?.();
      this.flushes.delete(token);
    } else {
      this.drop(channel, 'an unknown kind of message');
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

/** Parses `R<except>\n<frame>`; undefined if it is anything else. */
function roomDelivery(room: string, message: Buffer): RoomDelivery | undefined {
  const newline = message.indexOf(LF);
  if (newline <= 0 || newline > MAX_HEADER) return undefined;
  const except = message.toString('latin1', 1, newline);
  const frame = message.subarray(newline + 1);
  if (except.includes(' ') || !isFrame(frame)) return undefined;
  return except === '' ? { kind: 'room', room, frame } : { kind: 'room', room, frame, except };
}

/** Parses `E<event JSON>` (redis-scripts.ts); undefined if it is anything else. */
function membershipEvent(room: string, message: Buffer): MembershipEvent | undefined {
  let body: unknown;
  try {
    body = JSON.parse(UTF8.decode(message.subarray(1)));
  } catch {
    return undefined;
  }
  const { k, i, n, c, r, m } = (body ?? {}) as Record<string, unknown>;
  if (typeof i !== 'string' || typeof n !== 'string') return undefined;
  const count = Number.isSafeInteger(c) && (c as number) >= 0 ? (c as number) : undefined;
  if (k === 'join' && count !== undefined && typeof r === 'string') {
    return { kind: 'join', room, roomName: r, id: i, nickname: n, userCount: count };
  }
  if (k === 'leave' && count !== undefined) {
    return { kind: 'leave', room, id: i, nickname: n, userCount: count };
  }
  if (k === 'rename' && typeof m === 'string') {
    return { kind: 'rename', room, id: i, nickname: n, newNickname: m };
  }
  return undefined;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A frame as Natter writes them: one JSON object with a string `cmd`, on one line, in UTF-8.
 * One parse per message and node, not per recipient.
 */
function isFrame(frame: Buffer): boolean {
  const n = frame.length;
  if (n < 3 || frame[0] !== 0x7b || frame[n - 1] !== LF || frame.indexOf(LF) !== n - 1) {
    return false;
  }
  try {
    const value: unknown = JSON.parse(UTF8.decode(frame));
    return (
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      typeof (value as { cmd?: unknown }).cmd === 'string'
    );
  } catch {
    return false;
  }
}
