import { Cmd } from '../../protocol/codes.js';
import type { Command } from '../dispatcher.js';

/**
 * LEAVE `13` (rule 7.4): back to the default room: `130`, or `131` when it is full, `132` when
 * already there.
 */
export const leave: Command = {
  cmd: Cmd.LEAVE,
  name: 'LEAVE',
  phase: 'member',
  fields: {},
  async run(conn, req) {
    await conn.server.membership.move(conn, conn.server.config.defaultRoom, req, {
      ok: Cmd.LEAVE_SUCCESS,
      full: Cmd.LEAVE_DEFAULT_ROOM_FULL,
      same: Cmd.LEAVE_IN_DEFAULT_ROOM,
    });
  },
};
