import { Cmd, SEED_PROTOCOL_VERSION } from '../../protocol/codes.js';
import type { VersionResponse } from '../../protocol/messages.js';
import { SERVER_SOFTWARE } from '../../version.js';
import type { Command } from './command.js';

/** VERSION `4` (rule 4.8): the seed's `serverVersion` "1"; extended clients also get `server`. */
export const version: Command<typeof Cmd.VERSION> = {
  cmd: Cmd.VERSION,
  name: 'VERSION',
  phase: 'member',
  run(ctx, req) {
    const reply: VersionResponse = {
      cmd: Cmd.VERSION_RESPONSE,
      serverVersion: SEED_PROTOCOL_VERSION,
    };
    if (ctx.session.extended) reply.server = SERVER_SOFTWARE;
    ctx.reply(reply, req.id);
  },
};
