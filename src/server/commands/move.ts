import type { Cmd } from '../../protocol/codes.js';
import type { JoinRequest, LeaveRequest } from '../../protocol/requests.js';
import type { CommandContext } from './context.js';

/** The answers to a room move's outcomes (JOIN or LEAVE, rule 7.3). */
export interface MoveCodes {
  readonly ok: typeof Cmd.JOIN_SUCCESS | typeof Cmd.LEAVE_SUCCESS;
  readonly full: typeof Cmd.JOIN_ROOM_FULL | typeof Cmd.LEAVE_DEFAULT_ROOM_FULL;
  readonly same: typeof Cmd.JOIN_ALREADY_IN_ROOM | typeof Cmd.LEAVE_IN_DEFAULT_ROOM;
}

/**
 * Moves the session's member to `room` and answers with the code for the outcome. The old room
 * gets `30` and the new room `8`, as for a seed join.
 */
export async function moveTo(
  ctx: CommandContext,
  req: JoinRequest | LeaveRequest,
  room: string,
  codes: MoveCodes,
): Promise<void> {
  const outcome = await ctx.move(room);
  if (outcome.ok) {
    ctx.reply({ cmd: codes.ok, room: outcome.room, userCount: outcome.userCount }, req.id);
  } else if (outcome.reason === 'room-full') ctx.reply({ cmd: codes.full }, req.id);
  else if (outcome.reason === 'same-room') ctx.reply({ cmd: codes.same }, req.id);
}
