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
 * Moves the session's member to `room` and answers with the code for the outcome: the success
 * where the member enters the new room, before the room's traffic. The old room gets `30` and
 * the new room `8`, as for a seed join. A member the directory no longer holds (its node was
 * taken for dead, and will put it back) is told to retry (rule 9.8).
 */
export async function moveTo(
  ctx: CommandContext,
  req: JoinRequest | LeaveRequest,
  room: string,
  codes: MoveCodes,
): Promise<void> {
  const outcome = await ctx.move(room, (moved) =>
    ctx.reply({ cmd: codes.ok, room: moved.room, userCount: moved.userCount }, req.id),
  );
  if (outcome.ok) return;
  if (outcome.reason === 'room-full') ctx.reply({ cmd: codes.full }, req.id);
  else if (outcome.reason === 'same-room') ctx.reply({ cmd: codes.same }, req.id);
  else ctx.error('BACKEND_UNAVAILABLE', req);
}
