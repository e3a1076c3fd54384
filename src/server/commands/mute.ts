import { Cmd } from '../../protocol/codes.js';
import type { Command } from './command.js';
import { asOperator } from './operator.js';

/**
 * MUTE `18` (rule 13.6): the member stays and reads, but its CHAT, WHISPER and RENAME get
 * MUTED `932` for `durationMs`; 0 lifts the mute.
 */
export const mute: Command<typeof Cmd.MUTE> = {
  cmd: Cmd.MUTE,
  name: 'MUTE',
  phase: 'member',
  run(ctx, req) {
    return asOperator(ctx, req, async (operator) => {
      const { nickname, durationMs, reason } = req;
      const made = await ctx.actions.mute(operator, {
        nickname,
        durationMs,
        ...(reason === undefined ? {} : { reason }),
      });
      const expiresAt = made ? made.expiresAt : null;
      return () => ctx.reply({ cmd: Cmd.MUTE_SUCCESS, nickname, expiresAt }, req.id);
    });
  },
};
