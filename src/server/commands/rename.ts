import { Cmd } from '../../protocol/codes.js';
import type { Command } from './command.js';

/**
 * RENAME `5` (rule 4.10): atomic; `50` if the nickname is held (the requester's own exact
 * nickname included, as in the seed), else `51`, and the room's other members get `52`. A
 * muted member may not rename (MUTED `932`), and nobody may take a banned nickname (`909`).
 */
export const rename: Command<typeof Cmd.RENAME> = {
  cmd: Cmd.RENAME,
  name: 'RENAME',
  phase: 'member',
  async run(ctx, req) {
    const newNickname = req.newNickname;
    const problem = ctx.policy.nicknameProblem(newNickname);
    if (problem) return ctx.error('INVALID_NICKNAME', req, `nickname ${problem}`);
    // A mute holds a nickname: a new one would shed it (rule 13.6).
    const muted = ctx.muted();
    if (muted) return ctx.error(muted.error, req, muted.detail, muted.fields);
    if (ctx.banned(newNickname)) {
      return ctx.error('INVALID_NICKNAME', req, 'nickname is banned');
    }
    if (newNickname === ctx.session.nickname) {
      return ctx.reply({ cmd: Cmd.RENAME_DUPLICATE_NICKNAME }, req.id);
    }
    const outcome = await ctx.rename(newNickname);
    if (outcome.ok) {
      ctx.reply({ cmd: Cmd.RENAME_SUCCESS, newNickname }, req.id);
      // A ban of the new nickname made while the directory was renaming found nobody holding it.
      const late = ctx.banned(newNickname);
      if (late) ctx.session.end({ kind: 'error', ...late, request: req });
    } else if (outcome.reason === 'nickname-taken') {
      ctx.reply({ cmd: Cmd.RENAME_DUPLICATE_NICKNAME }, req.id);
    } else {
      // The directory no longer holds the member (its node was taken for dead, and will put it
      // back): retry (rule 9.8).
      ctx.error('BACKEND_UNAVAILABLE', req);
    }
  },
};
