import type { Bus, RoomDelivery } from '../../backends/bus.js';
import type { Appended } from '../../backends/history.js';
import type { RoomHistory } from '../../backends/room-history.js';
import { Cmd } from '../../protocol/codes.js';
import { encode } from '../../protocol/encode.js';
import type { Announcement } from '../../protocol/messages.js';

const NO_HISTORY = { current: undefined };

/**
 * What this node sends out on the bus: room messages, each encoded once for every member on
 * every node, and whispers. Membership changes are not among them: the directory announces each
 * in the same step as the change (backends/membership-events.ts).
 */
export class Announcer {
  /** @param history the room history, while history is on and open */
  constructor(
    private readonly bus: Bus,
    private readonly history: { readonly current: RoomHistory | undefined } = NO_HISTORY,
  ) {}

  /**
   * Delivers a member's chat to the rest of its room, on every node; with history on, numbered
   * and kept first (docs/protocol.md, section 12), or recognised as a resend by its `cid` and
   * delivered to nobody. Returns what history decided (undefined with history off); in a
   * cluster a promise, settled as for {@link announce}.
   */
  chat(
    roomKey: string,
    from: { readonly id: string; readonly nickname: string },
    msg: string,
    cid: string | undefined,
  ): void | Appended | Promise<void | Appended> {
    const frame = Buffer.from(encode({ cmd: Cmd.CHAT_RESPONSE, from: from.nickname, msg }));
    const history = this.history.current;
    if (!history) return this.bus.publish({ kind: 'room', room: roomKey, frame, except: from.id });
    const chat =
      cid === undefined ? { from: from.nickname, msg } : { from: from.nickname, msg, cid };
    return history.publish(roomKey, chat, frame, from.id);
  }

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
