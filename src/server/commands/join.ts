import { Cmd } from '../../protocol/codes.js';
import { nameProblem } from '../../protocol/names.js';
import type { Command } from '../dispatcher.js';

/**
 * JOIN `12` (rule 7.3): move to a room, creating it if needed: `120`, or `121` when it is full,
 * `122` when already there. The old room gets `30` and the new room `8`, as for a seed join.
 */
export const join: Command = {
  cmd: Cmd.JOIN,
  name: 'JOIN',
  phase: 'member',
  fields: { room: 'string' },
  async run(conn, req) {
    const room = req.room as string;
    const problem = nameProblem(room, conn.server.config.maxRoomNameLength);
    if (problem) return conn.fail('INVALID_ROOM_NAME', req, `room ${problem}`);
    await conn.server.membership.move(conn, room, req, {
      ok: Cmd.JOIN_SUCCESS,
      full: Cmd.JOIN_ROOM_FULL,
      same: Cmd.JOIN_ALREADY_IN_ROOM,
    });
  },
};
