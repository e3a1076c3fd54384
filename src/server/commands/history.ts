import { Cmd } from '../../protocol/codes.js';
import type { HistoryPage, StoredMessage } from '../../backends/history.js';
import type { HistoryResponse } from '../../protocol/messages.js';
import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT } from '../../protocol/requests.js';
import type { Answer, Command } from './command.js';

/** The most bytes of JSON a page's chats may take (rule 12.3). */
export const MAX_PAGE_BYTES = 256 * 1024;

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
    // From the newest end unless resuming: the chats nearest to where the client asked from.
    const fromOldest = after !== undefined;
    const answer = (page: HistoryPage): void => {
      const { messages, more } = capped(page.messages, fromOldest, page.more);
      const response: HistoryResponse = {
        cmd: Cmd.HISTORY_RESPONSE,
        room,
        messages,
        more,
        gap: page.gap,
      };
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

/**
 * The page's chats within {@link MAX_PAGE_BYTES} of JSON (at least one), kept from the oldest
 * end or the newest; `more` when some were left out.
 */
function capped(
  messages: StoredMessage[],
  fromOldest: boolean,
  more: boolean,
): { messages: StoredMessage[]; more: boolean } {
  let bytes = 0;
  const n = messages.length;
  for (let i = 0; i < n; i++) {
    const message = messages[fromOldest ? i : n - 1 - i]!;
    // Its text and name in UTF-8 at most three bytes a code unit, escapes at most six: the
    // bound is loose, and cheap to take.
    bytes += 48 + 6 * (message.msg.length + message.from.length);
    if (bytes > MAX_PAGE_BYTES && i > 0) {
      return { messages: fromOldest ? messages.slice(0, i) : messages.slice(n - i), more: true };
    }
  }
  return { messages, more };
}
