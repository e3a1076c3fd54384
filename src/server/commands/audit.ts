import { Cmd } from '../../protocol/codes.js';
import type { AuditEntry } from '../../protocol/messages.js';
import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT } from '../../protocol/requests.js';
import type { Command } from './command.js';
import { ActionFieldError } from '../services/moderation-actions.js';
import { asOperator } from './operator.js';

/** AUDIT `24` (rule 13.9): a page of the audit log, newest first; `before` an entry's id. */
export const audit: Command<typeof Cmd.AUDIT> = {
  cmd: Cmd.AUDIT,
  name: 'AUDIT',
  phase: 'member',
  run(ctx, req) {
    const { before, limit = DEFAULT_HISTORY_LIMIT } = req;
    return asOperator(ctx, req, async () => {
      if (limit < 1 || limit > MAX_HISTORY_LIMIT) {
        throw new ActionFieldError('limit', `"limit" must be from 1 to ${MAX_HISTORY_LIMIT}`);
      }
      if (before !== undefined && before < 1) {
        throw new ActionFieldError('before', '"before" must be an entry\'s id');
      }
      const page = await ctx.actions.auditPage({
        limit,
        ...(before === undefined ? {} : { before }),
      });
      const entries = page.entries.map((e): AuditEntry => ({
        ...e.details,
        id: e.id,
        at: e.at,
        by: e.by,
        action: e.action,
        target: e.target,
        reason: e.reason,
      }));
      return () => ctx.reply({ cmd: Cmd.AUDIT_RESPONSE, entries, more: page.more }, req.id);
    });
  },
};
