import { Cmd } from '../../protocol/codes.js';
import type { Command } from './command.js';
import { moveTo } from './move.js';

/**
 * LEAVE `13` (rule 7.4): back to the default room: `130`, or `131` when it is full, `132` when
 * already there.
 */
export const leave: Command<typeof Cmd.LEAVE> = {
  cmd: Cmd.LEAVE,
  name: 'LEAVE',
  phase: 'member',
  async run(ctx, req) {
    await moveTo(ctx, req, ctx.settings.defaultRoom, {
      ok: Cmd.LEAVE_SUCCESS,
      full: Cmd.LEAVE_DEFAULT_ROOM_FULL,
      same: Cmd.LEAVE_IN_DEFAULT_ROOM,
    });
  },
};
