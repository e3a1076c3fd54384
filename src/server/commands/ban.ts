import { Cmd } from '../../protocol/codes.js';
import type { Command } from './command.js';
import { asOperator, banInfo, muteInfo } from './operator.js';

/**
 * BAN `17` (rule 13.5): bans a nickname and/or an address or CIDR block, for `durationMs` or
 * until lifted; the members it holds are closed with BANNED `931` on every node.
 */
export const ban: Command<typeof Cmd.BAN> = {
  cmd: Cmd.BAN,
  name: 'BAN',
  phase: 'member',
  run(ctx, req) {
    return asOperator(ctx, req, async (operator) => {
      const { nickname, address, durationMs, reason } = req;
      const made = await ctx.actions.ban(operator, {
        ...(nickname === undefined ? {} : { nickname }),
        ...(address === undefined ? {} : { address }),
        ...(durationMs === undefined ? {} : { durationMs }),
        ...(reason === undefined ? {} : { reason }),
      });
      const bans = made.bans.map(banInfo);
      return () =>
        ctx.reply({ cmd: Cmd.BAN_SUCCESS, ban: bans[0]!, bans, kicked: made.kicked }, req.id);
    });
  },
};

/** UNBAN `19` (rule 13.7): lifts the bans of a nickname, an address or block, or an id. */
export const unban: Command<typeof Cmd.UNBAN> = {
  cmd: Cmd.UNBAN,
  name: 'UNBAN',
  phase: 'member',
  run(ctx, req) {
    return asOperator(ctx, req, async (operator) => {
      const { nickname, address, id } = req;
      const removed = await ctx.actions.unban(operator, {
        ...(nickname === undefined ? {} : { nickname }),
        ...(address === undefined ? {} : { address }),
        ...(id === undefined ? {} : { id }),
      });
      return () => ctx.reply({ cmd: Cmd.UNBAN_SUCCESS, removed: removed.map(banInfo) }, req.id);
    });
  },
};

/** BANS `23` (rule 13.8): the active bans and mutes, newest first. */
export const bans: Command<typeof Cmd.BANS> = {
  cmd: Cmd.BANS,
  name: 'BANS',
  phase: 'member',
  run(ctx, req) {
    return asOperator(ctx, req, async () => {
      const list = await ctx.actions.list();
      return () =>
        ctx.reply(
          {
            cmd: Cmd.BANS_RESPONSE,
            bans: list.bans.map(banInfo),
            mutes: list.mutes.map(muteInfo),
          },
          req.id,
        );
    });
  },
};
