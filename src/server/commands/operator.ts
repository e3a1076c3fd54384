import type { Ban, Mute } from '../../backends/moderation.js';
import type { BanInfo, MuteInfo } from '../../protocol/messages.js';
import type { RequestId } from '../../protocol/requests.js';
import { ActionFieldError, NoSuchMemberError } from '../services/moderation-actions.js';
import type { Answer } from './command.js';
import type { CommandContext } from './context.js';

/** A request as an operator's command sees it. */
type OperatorRequest = { readonly cmd: string; readonly id?: RequestId };

/**
 * Runs an operator's action (docs/protocol.md, section 13): a session that is not an operator
 * gets NOT_PERMITTED `928` and nothing happens (rule 13.3). The action's answer is sent once the
 * session's earlier requests are answered; a target the operator got wrong is answered
 * INVALID_FIELD `906` naming the field, a nickname nobody holds NO_SUCH_MEMBER `930`.
 */
export function asOperator(
  ctx: CommandContext,
  request: OperatorRequest,
  action: (operator: string) => Promise<() => void>,
): Promise<Answer> | void {
  const operator = ctx.session.operator;
  if (operator === undefined) return ctx.error('NOT_PERMITTED', request);
  return action(operator).catch((err: unknown): Answer => {
    if (err instanceof ActionFieldError) {
      return () => ctx.error('INVALID_FIELD', request, err.message, { field: err.field });
    }
    if (err instanceof NoSuchMemberError) {
      return () => ctx.error('NO_SUCH_MEMBER', request, err.message);
    }
    // A store's refusal of what cannot be kept (a name too long to store, say).
    if (err instanceof RangeError) return () => ctx.error('INVALID_FIELD', request, err.message);
    throw err;
  });
}

/** A ban as operators see it on the wire (rule 13.5). */
export function banInfo(ban: Ban): BanInfo {
  const { id, reason, by, createdAt, expiresAt } = ban;
  const target = ban.kind === 'nickname' ? { nickname: ban.target } : { address: ban.target };
  return { id, ...target, reason, by, createdAt, expiresAt };
}

/** A mute as operators see it on the wire (rule 13.8). */
export function muteInfo(mute: Mute): MuteInfo {
  const { nickname, reason, by, createdAt } = mute;
  // The wire's mutes always end: MUTE takes a duration.
  return { nickname, reason, by, createdAt, expiresAt: mute.expiresAt ?? Number.MAX_SAFE_INTEGER };
}
