import type { Redis } from 'ioredis';
import type { Bus, Delivery, DeliveryReceiver } from '../server/backends/bus.js';
import { BackendUnavailableError } from '../server/backends/directory.js';
import type { Logger } from '../server/logger.js';

/*
 * The bus on Redis pub/sub. Each room has a channel, `{p}:room:<room key>`, which a node
 * subscribes to while it has members in the room; each node has one, `{p}:node:<node id>`, for
 * whispers. Every node, the sender's own included, delivers a room's messages from its channel,
 * so every member sees them in the order Redis published them (docs/protocol.md, rule 9.4).
 *
 * Payloads: `R<except>\n<frame>` for a room frame (`except` is a member id, or empty), and
 * `W` followed by JSON {to, from, msg} for a whisper. Anything else is logged and dropped.
 */

const ROOM = 0x52; // 'R'
const WHISPER = 0x57; // 'W'
const LF = 0x0a;
/** Longest `except` id a room payload may carry. */
const MAX_HEADER = 256;

/**
 * The {@link Bus} on Redis pub/sub. It needs two connections: one for publishing and one in
 * subscriber mode.
 */
export class RedisBus implements Bus {
  private receiver: DeliveryReceiver | undefined;
  /** Room key -> how many local members (and joins under way) need the room's channel. */
  private readonly watching = new Map<string, number>();
  private readonly roomPrefix: string;
  private readonly nodeChannel: string;
  private dropped = 0;
  private lastDropLog = 0;

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    prefix: string,
    private readonly nodeId: string,
    private readonly logger: Logger,
  ) {
    this.roomPrefix = `{${prefix}}:room:`;
    this.nodeChannel = `{${prefix}}:node:${nodeId}`;
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
    if (count > 0) return;
    try {
      await this.sub.subscribe(this.roomPrefix + roomKey);
    } catch (err) {
      this.unwatch(roomKey);
      throw new BackendUnavailableError(`redis: ${(err as Error).message}`);
    }
  }

  unwatch(roomKey: string): void {
    const count = this.watching.get(roomKey) ?? 0;
    if (count > 1) {
      this.watching.set(roomKey, count - 1);
      return;
    }
    this.watching.delete(roomKey);
    // A watch that came meanwhile has subscribed again after this, on the same connection.
    this.sub.unsubscribe(this.roomPrefix + roomKey).catch(() => undefined);
  }

  publish(delivery: Delivery): void {
    if (this.pub.status !== 'ready') {
      throw new BackendUnavailableError(`redis is ${this.pub.status}`);
    }
    let channel: string;
    let payload: Buffer;
    if (delivery.kind === 'room') {
      channel = this.roomPrefix + delivery.room;
      const head = Buffer.from(`R${delivery.except ?? ''}\n`, 'latin1');
      payload = Buffer.concat([head, delivery.frame]);
    } else {
      channel = `${this.roomPrefix.slice(0, -'room:'.length)}node:${delivery.node}`;
      const body = JSON.stringify({ to: delivery.to, from: delivery.from, msg: delivery.msg });
      payload = Buffer.from('W' + body);
    }
    // Commands go out in order on one connection: one node's deliveries stay in order.
    this.pub.publish(channel, payload).catch((err: Error) => {
      this.logger.warn(`redis publish failed: ${err.message}`);
    });
  }

  async close(): Promise<void> {
    this.receiver = undefined;
    this.watching.clear();
  }

  /** A message from Redis: validated, then handed to the node's receiver. */
  private onMessage(channelBytes: Buffer, message: Buffer): void {
    const receiver = this.receiver;
    if (!receiver) return;
    const channel = channelBytes.toString('utf8');
    if (message[0] === ROOM && channel.startsWith(this.roomPrefix)) {
      const newline = message.indexOf(LF);
      const frame =
        newline > 0 && newline <= MAX_HEADER ? message.subarray(newline + 1) : undefined;
      if (!frame || !isFrame(frame)) return this.drop(channel, 'not a room frame');
      const except = message.toString('latin1', 1, newline);
      receiver(
        except === ''
          ? { kind: 'room', room: channel.slice(this.roomPrefix.length), frame }
          : { kind: 'room', room: channel.slice(this.roomPrefix.length), frame, except },
      );
      return;
    }
    if (message[0] === WHISPER && channel === this.nodeChannel) {
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
      return;
    }
    this.drop(channel, 'an unknown kind of message');
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

/** A frame as Natter writes them: one JSON object on one line. Cheap, no parse. */
function isFrame(frame: Buffer): boolean {
  const n = frame.length;
  return (
    n >= 3 &&
    frame[0] === 0x7b && // {
    frame[n - 2] === 0x7d && // }
    frame[n - 1] === LF &&
    frame.indexOf(LF) === n - 1
  );
}
