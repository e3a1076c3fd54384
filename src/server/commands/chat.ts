import { Cmd } from '../../protocol/codes.js';
import { messageAllowed } from './checks.js';
import type { Command } from './command.js';

/**
 * CHAT `7` (rule 4.11): every other member of the sender's room gets CHAT_RESPONSE `70`; the
 * sender gets nothing, unless the request has an `id`, which is acknowledged with `71`.
 * Synchronous: the hot path allocates one frame for the whole room.
 */
export const chat: Command<typeof Cmd.CHAT> = {
  cmd: Cmd.CHAT,
  name: 'CHAT',
  phase: 'member',
  run(ctx, req) {
    if (!messageAllowed(ctx, req)) return;
    ctx.announce({ cmd: Cmd.CHAT_RESPONSE, from: ctx.session.nickname, msg: req.msg });
    if (req.id !== undefined) ctx.reply({ cmd: Cmd.CHAT_ACCEPTED }, req.id);
  },
};
