import { Cmd } from '../../protocol/codes.js';
import type { UserRow } from '../../protocol/messages.js';
import type { Command } from './command.js';

/**
 * USERS `1` (rule 4.5): the members of the requester's room, in join order, itself included.
 * An operator sees their addresses also when they are hidden from everyone else (rule 13.3).
 */
export const users: Command<typeof Cmd.USERS> = {
  cmd: Cmd.USERS,
  name: 'USERS',
  phase: 'member',
  async run(ctx, req) {
    const members = await ctx.directory.members(ctx.session.room);
    const hide = ctx.settings.hideAddresses && ctx.session.operator === undefined;
    const rows: UserRow[] = members.map((m) =>
      hide ? [m.nickname, 'hidden', 0] : [m.nickname, m.ip, m.port],
    );
    ctx.reply({ cmd: Cmd.USERS_RESPONSE, users: rows }, req.id);
  },
};
