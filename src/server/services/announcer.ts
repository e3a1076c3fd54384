import type { Bus, RoomDelivery } from '../../backends/bus.js';
import { encode } from '../../protocol/encode.js';
import type { Announcement } from '../../protocol/messages.js';

/**
 * What this node sends out on the bus: room messages, each encoded once for every member on
 * every node, and whispers. Membership changes are not among them: the directory announces each
 * in the same step as the change (backends/membership-events.ts).
 */
export class Announcer {
  constructor(private readonly bus: Bus) {}

  /**
   * Encodes a message once and delivers it to a room, on every node, except one member (the
   * sender of a chat). In a cluster it returns a promise, settled once the message was published
   * (rejected with BackendUnavailableError when it was not, and never will be).
   */
  announce(roomKey: string, message: Announcement, except?: string): void | Promise<void> {
    const frame = Buffer.from(encode(message));
    const delivery: RoomDelivery =
      except === undefined
        ? { kind: 'room', room: roomKey, frame }
        : { kind: 'room', room: roomKey, frame, except };
    return this.bus.publish(delivery);
  }

  /**
   * Sends a whisper to a member on whichever node holds it; that node encodes it. Settles as
   * {@link announce} does.
   */
  whisper(
    to: { readonly id: string; readonly node: string },
    from: { readonly id: string; readonly nickname: string },
    msg: string,
  ): void | Promise<void> {
    const { node, id } = to;
    return this.bus.publish({
      kind: 'whisper',
      node,
      to: id,
      from: from.nickname,
      msg,
      sender: from.id,
    });
  }
}
