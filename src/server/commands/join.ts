import { Cmd } from '../../protocol/codes.js';
import { nameProblem } from '../../protocol/names.js';
import type { Command } from './command.js';
import { moveTo } from './move.js';

/**
 * JOIN `12` (rule 7.3): move to a room, creating it if needed: `120`, or `121` when it is full,
 * `122` when already there.
 */
export const join: Command<typeof Cmd.JOIN> = {
  cmd: Cmd.JOIN,
  name: 'JOIN',
  phase: 'member',
  async run(ctx, req) {
    const problem = nameProblem(req.room, ctx.settings.maxRoomNameLength);
    if (problem) return ctx.error('INVALID_ROOM_NAME', req, `room ${problem}`);
    await moveTo(ctx, req, req.room, {
      ok: Cmd.JOIN_SUCCESS,
      full: Cmd.JOIN_ROOM_FULL,
      same: Cmd.JOIN_ALREADY_IN_ROOM,
    });
  },
};
