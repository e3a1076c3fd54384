import { Cmd } from '../../protocol/codes.js';
import type { Command } from './command.js';
import { asOperator } from './operator.js';

/**
 * KICK `16` (rule 13.4): an operator closes a member, on whichever node it is, with KICKED
 * `929`; its room gets `30` as for any departure.
 */
export const kick: Command<typeof Cmd.KICK> = {
  cmd: Cmd.KICK,
  name: 'KICK',
  phase: 'member',
  run(ctx, req) {
    return asOperator(ctx, req, async (operator) => {
      const nickname = await ctx.actions.kick(operator, req.nickname, req.reason ?? '');
      return () => ctx.reply({ cmd: Cmd.KICK_SUCCESS, nickname }, req.id);
    });
  },
};
