import { Cmd } from '../../protocol/codes.js';
import { messageAllowed } from './checks.js';
import type { RequestId } from '../../protocol/requests.js';
import type { Command } from './command.js';
import type { CommandContext } from './context.js';

/**
 * CHAT `7` (rule 4.11): every other member of the sender's room gets CHAT_RESPONSE `70`; the
 * sender gets nothing, unless the request has an `id`, which is acknowledged with `71`.
 * On one node synchronous: the hot path allocates one frame for the whole room. In a cluster
 * the chat is accepted once Redis has published it, and answered `923` when it was not
 * (rule 9.8). Chats overlap: a client's next chats are published while Redis answers the
 * earlier ones (in order, on one connection), and the answers keep the order of the requests.
 */
export const chat: Command<typeof Cmd.CHAT> = {
  cmd: Cmd.CHAT,
  name: 'CHAT',
  phase: 'member',
  // Refused or disconnecting chats answer at once: they wait for the ones before them.
  overlaps: (ctx, req) =>
    !ctx.policy.messageTooLong(req.msg) && ctx.policy.bannedPhrase(req.msg) === undefined,
  run(ctx, req) {
    if (!messageAllowed(ctx, req)) return;
    const published = ctx.announce({
      cmd: Cmd.CHAT_RESPONSE,
      from: ctx.session.nickname,
      msg: req.msg,
    });
    // Once the session is ending (a later fatal error, its lease lost) nothing more is answered.
    if (published) {
      return published.then(() => () => {
        if (!ctx.session.closing) accepted(ctx, req.id);
      });
    }
    accepted(ctx, req.id);
  },
};

function accepted(ctx: CommandContext, id: RequestId | undefined): void {
  if (id !== undefined) ctx.reply({ cmd: Cmd.CHAT_ACCEPTED }, id);
}
