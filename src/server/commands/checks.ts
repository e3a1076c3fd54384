import type { CommandContext } from './context.js';

/**
 * The rules every message obeys, CHAT and WHISPER alike: a muted member may not speak (rule
 * 13.6), the length limit (rule 4.12) and the banned phrases (rule 6.1). A muted member's or an
 * over-long message is refused and nothing is delivered; a banned phrase costs what its rule
 * says: the phrase masked (`redact`), the message refused, the sender muted, kicked, banned or
 * (the seed's) disconnected.
 * @returns the text to deliver (the message, or it masked), or undefined when nothing is
 */
export function allowedText(
  ctx: CommandContext,
  request: { readonly cmd: string; readonly id?: string | number; readonly msg: string },
): string | undefined {
  const { policy } = ctx;
  const muted = ctx.muted();
  if (muted) {
    ctx.error(muted.error, request, muted.detail, muted.fields);
    return undefined;
  }
  if (policy.messageTooLong(request.msg)) {
    const max = policy.maxMessageLength;
    ctx.error('MESSAGE_TOO_LONG', request, `messages are limited to ${max} characters`, {
      limit: max,
    });
    return undefined;
  }
  const match = policy.bannedPhrase(request.msg);
  if (match === undefined) return request.msg;
  const refusal = ctx.sanction(match.rule, request);
  if (match.rule.action === 'redact') return policy.redact(request.msg);
  if (refusal) ctx.error(refusal.error, request, refusal.detail, refusal.fields);
  return undefined;
}
