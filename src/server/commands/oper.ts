import { Cmd } from '../../protocol/codes.js';
import type { Answer, Command } from './command.js';

/**
 * OPER `15` (rule 13.2): logs the session in as an operator. A wrong name or password gets
 * OPER_FAILED `927`, the same for both; an address with too many failures RATE_LIMITED `916`.
 * The check takes a moment (scrypt, off the event loop): the session's next requests wait.
 */
export const oper: Command<typeof Cmd.OPER> = {
  cmd: Cmd.OPER,
  name: 'OPER',
  phase: 'member',
  async run(ctx, req): Promise<Answer> {
    const checked = await ctx.actions.oper(req.name, req.password);
    if (checked.ok) return () => ctx.reply({ cmd: Cmd.OPER_SUCCESS, name: req.name }, req.id);
    if (checked.reason === 'rate-limited') {
      const { retryAfterMs } = checked;
      return () =>
        ctx.error('RATE_LIMITED', req, 'too many failed OPER attempts from this address', {
          retryAfterMs,
        });
    }
    return () => ctx.error('OPER_FAILED', req);
  },
};
