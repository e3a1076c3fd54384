import { Cmd } from '../../protocol/codes.js';
import type { HistoryPage } from '../../backends/history.js';
import type { HistoryResponse } from '../../protocol/messages.js';
import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT } from '../../protocol/requests.js';
import type { Answer, Command } from './command.js';

/**
 * HISTORY `14` (rule 12.3): a page of the chats kept for the requester's current room, in
 * ascending `seq`; `before` scrolls back, `after` resumes, `gap` says when `after` is older than
 * what is kept. In a cluster the page is read from Redis, and other requests wait for it.
 */
export const history: Command<typeof Cmd.HISTORY> = {
  cmd: Cmd.HISTORY,
  name: 'HISTORY',
  phase: 'member',
  run(ctx, req) {
    const { before, after, limit = DEFAULT_HISTORY_LIMIT } = req;
    if (limit < 1 || limit > MAX_HISTORY_LIMIT) {
      return ctx.error('INVALID_FIELD', req, `"limit" must be from 1 to ${MAX_HISTORY_LIMIT}`, {
        field: 'limit',
      });
    }
    for (const [field, value] of [
      ['before', before],
      ['after', after],
    ] as const) {
      if (value !== undefined && value < 0) {
        return ctx.error('INVALID_FIELD', req, `"${field}" must be a seq, 0 or more`, { field });
      }
    }
    if (!ctx.historyOn) return ctx.error('HISTORY_UNAVAILABLE', req);
    const room = ctx.session.room;
    const answer = (page: HistoryPage): void => {
      const { messages, more, gap } = page;
      const response: HistoryResponse = { cmd: Cmd.HISTORY_RESPONSE, room, messages, more, gap };
      ctx.reply(response, req.id);
    };
    const query = {
      limit,
      ...(before === undefined ? {} : { before }),
      ...(after === undefined ? {} : { after }),
    };
    const page = ctx.page(query);
    if (page instanceof Promise)
      return page.then(
        (read): Answer =>
          () =>
            answer(read),
      );
    answer(page);
  },
};
