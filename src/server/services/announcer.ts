import type { Bus, RoomDelivery } from '../../backends/bus.js';
import { encode } from '../../protocol/encode.js';
import type { Announcement } from '../../protocol/messages.js';

type MutableRoomDelivery = { -readonly [K in keyof RoomDelivery]: RoomDelivery[K] };

/** Whose membership of the room an announcement begins or ends (docs/DEVELOPING.md). */
export interface MembershipMarks {
  /** The member whose membership begins just after this announcement (its own `8`). */
  readonly joins?: string;
  /** The member whose membership ends just before this announcement (its own `30`). */
  readonly leaves?: string;
}

/**
 * What this node sends out on the bus: room announcements, each encoded once for every member
 * on every node, and whispers.
 */
export class Announcer {
  constructor(private readonly bus: Bus) {}

  /**
   * Encodes a message once and delivers it to a room, on every node, except one member (the
   * sender of a chat). Throws BackendUnavailableError when the bus cannot take it.
   */
  announce(roomKey: string, message: Announcement, except?: string, marks?: MembershipMarks): void {
    const delivery: MutableRoomDelivery = {
      kind: 'room',
      room: roomKey,
      frame: Buffer.from(encode(message)),
    };
    if (except !== undefined) delivery.except = except;
    if (marks?.joins !== undefined) delivery.joins = marks.joins;
    if (marks?.leaves !== undefined) delivery.leaves = marks.leaves;
    this.bus.publish(delivery);
  }

  /** Sends a whisper to a member on whichever node holds it; that node encodes it. */
  whisper(to: { readonly id: string; readonly node: string }, from: string, msg: string): void {
    this.bus.publish({ kind: 'whisper', node: to.node, to: to.id, from, msg });
  }
}
