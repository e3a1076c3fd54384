import { Cmd } from '../protocol/codes.js';
import { encode } from '../protocol/encode.js';
import type { JoinMark, RoomDelivery } from './bus.js';

/**
 * A change of a room's membership, announced by the directory in the same atomic step as the
 * change itself (docs/protocol.md, rule 9.4): so a room's announcements follow the directory's
 * order on every node. Room keys are `nameKey` of the room's name.
 */
export type MembershipEvent =
  /** A member joined the room (CONNECT, or the target of a move): `8`. */
  | {
      readonly kind: 'join';
      readonly room: string;
      /** The room's display name. */
      readonly roomName: string;
      readonly id: string;
      readonly nickname: string;
      readonly userCount: number;
    }
  /** A member left the room (EXIT, a lost connection, a move, a dead node): `30`. */
  | {
      readonly kind: 'leave';
      readonly room: string;
      readonly id: string;
      readonly nickname: string;
      readonly userCount: number;
      /** On a move: the display name of the room moved to. */
      readonly to?: string;
    }
  /** A member of the room changed its nickname: `52`. */
  | {
      readonly kind: 'rename';
      readonly room: string;
      readonly id: string;
      readonly nickname: string;
      readonly newNickname: string;
    };

/**
 * The room delivery that announces an event: its frame for the room's members, and the marks
 * that make the membership change where the frame stands (docs/DEVELOPING.md, "Membership").
 */
export function eventDelivery(event: MembershipEvent): RoomDelivery {
  switch (event.kind) {
    case 'join': {
      const { id, nickname, userCount } = event;
      const frame = encode({ cmd: Cmd.NEW_USER_ENTERS, nickname, userCount });
      const joins: JoinMark = { id, room: event.roomName, userCount };
      return { kind: 'room', room: event.room, frame: Buffer.from(frame), except: id, joins };
    }
    case 'leave': {
      const { id, nickname, userCount, to } = event;
      const frame = Buffer.from(encode({ cmd: Cmd.EXIT_BROADCAST, nickname, userCount }));
      const delivery: RoomDelivery = { kind: 'room', room: event.room, frame, leaves: id };
      if (to === undefined) return delivery;
      // Extended clients learn that it was a move, and where to; seed clients see a `30`.
      const moved = encode({ cmd: Cmd.EXIT_BROADCAST, nickname, userCount, room: to });
      return { ...delivery, extendedFrame: Buffer.from(moved) };
    }
    case 'rename': {
      const { id, nickname, newNickname } = event;
      const frame = encode({ cmd: Cmd.RENAME_BROADCAST, nickname, newNickname });
      return { kind: 'room', room: event.room, frame: Buffer.from(frame), except: id };
    }
  }
}
