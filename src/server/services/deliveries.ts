import type { Delivery, GapDelivery, RoomDelivery } from '../../backends/bus.js';
import { Cmd } from '../../protocol/codes.js';
import { encode, withSeq } from '../../protocol/encode.js';
import type { MessagesMissed } from '../../protocol/messages.js';
import type { Counters } from '../counters.js';
import type { Session } from '../session.js';
import type { LocalMembers } from './local-members.js';
import type { LocalRoom, LocalRooms } from './local-rooms.js';

/**
 * The bus's receiver on this node: hands each delivery to its local recipients, and makes the
 * memberships it marks take effect here, in the room's order (docs/DEVELOPING.md, "Membership").
 */
export class Deliveries {
  /**
   * @param scheduler told when a join is delivered in this turn (join storms batch their
   *   flushes)
   * @param counters counts the deliveries, a room's frame once for all its recipients
   */
  constructor(
    private readonly members: LocalMembers,
    private readonly rooms: LocalRooms,
    private readonly scheduler: { joined(): void },
    private readonly counters: Counters,
  ) {}

  /** The bus receiver. */
  readonly deliver = (delivery: Delivery): void => {
    if (delivery.kind === 'room') return this.deliverRoom(delivery);
    if (delivery.kind === 'gap') return this.deliverGap(delivery);
    const session = this.members.get(delivery.to);
    if (!session) {
      // Listed by the directory, but its own `8` is still on its way here: after its `03`.
      this.members.holdForJoin(delivery.to, () => this.deliver(delivery));
      return;
    }
    if (session.phase !== 'member') return;
    if (delivery.kind === 'kick') {
      const { by, reason } = delivery;
      const detail = `kicked by ${by}${reason === '' ? '' : `: ${reason}`}`;
      return session.end({ kind: 'error', error: 'KICKED', detail, fields: { by } });
    }
    const cmd = session.whisperCap ? Cmd.WHISPER_MESSAGE : Cmd.CHAT_RESPONSE;
    this.counters.whisperDeliveries++;
    session.writer.send(Buffer.from(encode({ cmd, from: delivery.from, msg: delivery.msg })));
  };

  /**
   * Messages of a room that never reached this node: its members here are told, in the room's
   * order, where the messages would have been (rule 9.13).
   */
  private deliverGap(gap: GapDelivery): void {
    const { rooms } = this;
    const room = rooms.get(gap.room) ?? rooms.getNumbered(gap.room);
    if (!room) return;
    const { from, to } = gap;
    const notice: MessagesMissed =
      from === undefined || to === undefined
        ? { cmd: Cmd.MESSAGES_MISSED, room: room.name }
        : { cmd: Cmd.MESSAGES_MISSED, room: room.name, from, to };
    const frame = Buffer.from(encode(notice));
    for (const each of [rooms.get(gap.room), rooms.getNumbered(gap.room)]) {
      if (!each) continue;
      this.counters.roomDeliveries += each.members.size;
      rooms.publish(each, frame);
    }
  }

  /**
   * A room delivery: the frame joins the room's log for this turn, in O(1) whatever the room's
   * size, and the memberships it marks change here, in the room's order. Members with the
   * `history` capability follow their own log, which gets the chat's numbered frame.
   */
  private deliverRoom(delivery: RoomDelivery): void {
    const { rooms, members } = this;
    if (delivery.joins !== undefined) this.scheduler.joined();
    let skip: Session | undefined;
    if (delivery.leaves !== undefined) {
      const session = members.get(delivery.leaves);
      if (session && session.roomKey === delivery.room && session.phase === 'member') {
        // Its own `30`: the mover has had every message before it.
        if (members.left(session.id, delivery.room)) rooms.remove(session.writer);
        // A `30` about a member still here: other nodes took this node for dead. Not for it.
        else skip = session;
      }
    }
    const plain = rooms.get(delivery.room);
    const numbered = rooms.getNumbered(delivery.room);
    if (plain || numbered) {
      const sender = delivery.except === undefined ? undefined : members.get(delivery.except);
      if (plain) this.fanOut(plain, delivery.frame, delivery, sender, skip);
      if (numbered) {
        // The numbered version is made here, once, and only where someone is owed it.
        const { frame } = delivery;
        const n = delivery.numbered;
        this.fanOut(numbered, n ? withSeq(frame, n.seq, n.ts) : frame, delivery, sender, skip);
      }
    }
    if (delivery.joins !== undefined) members.joined(delivery.joins, delivery.room);
  }

  /** Appends one version of a delivery to one of the room's logs, leaving out whom it must. */
  private fanOut(
    room: LocalRoom,
    frame: Uint8Array,
    delivery: RoomDelivery,
    sender: Session | undefined,
    skip: Session | undefined,
  ): void {
    const index = this.rooms.publish(room, frame);
    let recipients = room.members.size;
    if (sender) {
      sender.writer.outbox.exclude(room.log, index);
      if (room.members.has(sender.writer)) recipients--;
    }
    if (skip) {
      skip.writer.outbox.exclude(room.log, index);
      if (skip !== sender && room.members.has(skip.writer)) recipients--;
    }
    this.counters.roomDeliveries += recipients;
    // Extended clients take their own version, in the same place (rare: a move's `30`).
    const extended = delivery.extendedFrame;
    if (extended !== undefined) {
      for (const writer of room.extended) {
        if (writer === skip?.writer) continue;
        writer.outbox.exclude(room.log, index);
        writer.send(extended);
      }
    }
  }
}
