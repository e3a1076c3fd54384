import { Cmd, SEED_PROTOCOL_VERSION } from '../../protocol/codes.js';
import { SERVER_SOFTWARE } from '../../version.js';
import type { Command } from '../dispatcher.js';

/** VERSION `4` (rule 4.8): the seed's `serverVersion` "1"; extended clients also get `server`. */
export const version: Command = {
  cmd: Cmd.VERSION,
  name: 'VERSION',
  phase: 'member',
  fields: {},
  run(conn, req) {
    const reply: Record<string, unknown> & { cmd: string } = {
      cmd: Cmd.VERSION_RESPONSE,
      serverVersion: SEED_PROTOCOL_VERSION,
    };
    if (conn.extended) reply.server = SERVER_SOFTWARE;
    conn.reply(reply, req.id);
  },
};
