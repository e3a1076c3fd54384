import { StoreFailedError } from '../../backends/errors.js';
import type { Appended } from '../../backends/history.js';
import { Cmd } from '../../protocol/codes.js';
import type { ChatAccepted } from '../../protocol/messages.js';
import { MAX_CID_LENGTH, type ChatRequest } from '../../protocol/requests.js';
import { allowedText } from './checks.js';
import type { Answer, Command } from './command.js';
import type { CommandContext } from './context.js';

/**
 * CHAT `7` (rule 4.11): every other member of the sender's room gets CHAT_RESPONSE `70`; the
 * sender gets nothing, unless the request has an `id`, which is acknowledged with `71`.
 * On one node synchronous: the hot path allocates one frame for the whole room (two with
 * history clients in it). In a cluster the chat is accepted once Redis has published it, and
 * answered `923` when it was not (rule 9.8). Chats overlap: a client's next chats are published
 * while Redis answers the earlier ones (in order, on one connection), and the answers keep the
 * order of the requests.
 *
 * With history on (section 12) the chat is numbered and kept first; a resend of a `cid` already
 * accepted is delivered to nobody and acknowledged as the first was (rule 12.4); and `71` waits
 * until the chat is stored (rule 12.5).
 */
export const chat: Command<typeof Cmd.CHAT> = {
  cmd: Cmd.CHAT,
  name: 'CHAT',
  phase: 'member',
  // Refused or disconnecting chats answer at once: they wait for the ones before them.
  overlaps: (ctx, req) =>
    ctx.muted() === undefined &&
    !ctx.policy.messageTooLong(req.msg) &&
    ctx.policy.bannedPhrase(req.msg) === undefined &&
    !cidProblem(req.cid),
  run(ctx, req) {
    const problem = cidProblem(req.cid);
    if (problem) return ctx.error('INVALID_FIELD', req, problem, { field: 'cid' });
    const msg = allowedText(ctx, req);
    if (msg === undefined) return;
    let outcome: ReturnType<typeof ctx.chat>;
    try {
      outcome = ctx.chat(msg, ctx.historyOn ? req.cid : undefined);
    } catch (err) {
      if (!(err instanceof StoreFailedError)) throw err;
      ctx.logger.error(`${ctx.session.label}: ${err.message}`);
      return ctx.error(
        'HISTORY_UNAVAILABLE',
        req,
        'the chat could not be stored, and was not delivered',
      );
    }
    if (outcome instanceof Promise) {
      // Once the session is ending (a later fatal error, its lease lost) nothing more is answered.
      return outcome.then((appended) => () => {
        if (!ctx.session.closing) accepted(ctx, req, appended);
      });
    }
    if (!outcome || req.id === undefined) return accepted(ctx, req, undefined);
    // Acknowledged once stored: a chat a client was told is accepted survives a crash.
    return outcome.durable.then(
      (): Answer => () => accepted(ctx, req, outcome),
      (): Answer => () =>
        ctx.error('HISTORY_UNAVAILABLE', req, 'the chat was delivered but could not be stored'),
    );
  },
};

/** A UTF-16 surrogate without its other half: no storage keeps such a string as it is. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a `cid` is unusable (rule 12.4), or undefined. */
function cidProblem(cid: string | undefined): string | undefined {
  if (cid === undefined) return undefined;
  // Code points, as every length of the protocol (rule 4.12); a string is at least as long.
  if (cid.length > 0 && cid.length <= MAX_CID_LENGTH) {
    return LONE_SURROGATE.test(cid) ? '"cid" must be well-formed text' : undefined;
  }
  const points = Array.from(cid).length;
  if (points > 0 && points <= MAX_CID_LENGTH && !LONE_SURROGATE.test(cid)) return undefined;
  return `"cid" must be 1 to ${MAX_CID_LENGTH} characters`;
}

/** `71` for a request with an `id`; with `seq` and `ts` for a `history` client (rule 12.2). */
function accepted(ctx: CommandContext, req: ChatRequest, appended: void | Appended): void {
  if (req.id === undefined) return;
  const answer: ChatAccepted = { cmd: Cmd.CHAT_ACCEPTED };
  if (appended && ctx.session.historyCap) {
    answer.seq = appended.seq;
    answer.ts = appended.ts;
  }
  ctx.reply(answer, req.id);
}
