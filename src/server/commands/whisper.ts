import { Cmd } from '../../protocol/codes.js';
import { allowedText } from './checks.js';
import type { Command } from './command.js';

/**
 * WHISPER `2` (rule 4.6): to any user on the server, whatever its room. Checked in the seed's
 * order: no such user `20` (also for a name no nickname could be), then Natter's length limit `915`, banned phrase
 * (disconnect), else delivered, then `22`.
 */
export const whisper: Command<typeof Cmd.WHISPER> = {
  cmd: Cmd.WHISPER,
  name: 'WHISPER',
  phase: 'member',
  async run(ctx, req) {
    // Nobody holds a name that breaks the rules, and an over-long one is not worth a lookup.
    if (ctx.policy.nicknameProblem(req.to)) {
      return ctx.reply({ cmd: Cmd.WHISPER_NO_SUCH_USER }, req.id);
    }
    const target = await ctx.directory.find(req.to);
    if (ctx.session.closing) return;
    if (!target) return ctx.reply({ cmd: Cmd.WHISPER_NO_SUCH_USER }, req.id);
    if (target.id === ctx.session.id) return ctx.reply({ cmd: Cmd.WHISPER_MYSELF }, req.id);
    const msg = allowedText(ctx, req);
    if (msg === undefined) return;
    await ctx.whisper(target, msg);
    ctx.reply({ cmd: Cmd.WHISPER_SUCCESS }, req.id);
  },
};
