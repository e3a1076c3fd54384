import type { Delivery, GapDelivery, RoomDelivery } from '../../backends/bus.js';
import { Cmd } from '../../protocol/codes.js';
import { encode } from '../../protocol/encode.js';
import type { MessagesMissed } from '../../protocol/messages.js';
import type { Counters } from '../counters.js';
import type { Session } from '../session.js';
import type { LocalMembers } from './local-members.js';
import type { LocalRooms } from './local-rooms.js';

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
    const cmd = session.whisperCap ? Cmd.WHISPER_MESSAGE : Cmd.CHAT_RESPONSE;
    this.counters.whisperDeliveries++;
    session.writer.send(Buffer.from(encode({ cmd, from: delivery.from, msg: delivery.msg })));
  };

  /**
   * Messages of a room that never reached this node: its members here are told, in the room's
   * order, where the messages would have been (rule 9.13).
   */
  private deliverGap(gap: GapDelivery): void {
    const room = this.rooms.get(gap.room);
    if (!room) return;
    this.counters.roomDeliveries += room.members.size;
    const { from, to } = gap;
    const notice: MessagesMissed =
      from === undefined || to === undefined
        ? { cmd: Cmd.MESSAGES_MISSED, room: room.name }
        : { cmd: Cmd.MESSAGES_MISSED, room: room.name, from, to };
    this.rooms.publish(room, Buffer.from(encode(notice)));
  }

  /**
   * A room delivery: the frame joins the room's log for this turn, in O(1) whatever the room's
   * size, and the memberships it marks change here, in the room's order.
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
    const room = rooms.get(delivery.room);
    if (room) {
      const index = rooms.publish(room, delivery.frame);
      let recipients = room.members.size;
      const sender = delivery.except === undefined ? undefined : members.get(delivery.except);
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
    if (delivery.joins !== undefined) members.joined(delivery.joins, delivery.room);
  }
}
