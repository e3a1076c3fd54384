import { Cmd } from '../../protocol/codes.js';
import type { Command } from './command.js';

/**
 * RENAME `5` (rule 4.10): atomic; `50` if the nickname is held (the requester's own exact
 * nickname included, as in the seed), else `51`, and the room's other members get `52`.
 */
export const rename: Command<typeof Cmd.RENAME> = {
  cmd: Cmd.RENAME,
  name: 'RENAME',
  phase: 'member',
  async run(ctx, req) {
    const { session } = ctx;
    const newNickname = req.newNickname;
    const problem = ctx.policy.nicknameProblem(newNickname);
    if (problem) return ctx.error('INVALID_NICKNAME', req, `nickname ${problem}`);
    if (newNickname === session.nickname) {
      return ctx.reply({ cmd: Cmd.RENAME_DUPLICATE_NICKNAME }, req.id);
    }
    const result = await ctx.directory.rename(session.id, newNickname);
    if (!result.ok) {
      if (result.reason === 'nickname-taken') {
        ctx.reply({ cmd: Cmd.RENAME_DUPLICATE_NICKNAME }, req.id);
      }
      return;
    }
    session.renamed(newNickname);
    ctx.reply({ cmd: Cmd.RENAME_SUCCESS, newNickname }, req.id);
    ctx.announce({ cmd: Cmd.RENAME_BROADCAST, nickname: result.oldNickname, newNickname });
    ctx.logger.info(`${result.oldNickname} is now known as ${newNickname}.`);
  },
};
