import type { CommandContext } from './context.js';

/**
 * The rules every message obeys, CHAT and WHISPER alike: a muted member may not speak (rule
 * 13.6), the length limit (rule 4.12) and the banned phrases (rule 6.1). A muted member's or an
 * over-long message is refused and nothing is delivered; one with a banned phrase gets its
 * sender disconnected.
 * @returns true when the message may be delivered
 */
export function messageAllowed(
  ctx: CommandContext,
  request: { readonly cmd: string; readonly id?: string | number; readonly msg: string },
): boolean {
  const { policy } = ctx;
  const muted = ctx.muted();
  if (muted) {
    ctx.error(muted.error, request, muted.detail, muted.fields);
    return false;
  }
  if (policy.messageTooLong(request.msg)) {
    const max = policy.maxMessageLength;
    ctx.error('MESSAGE_TOO_LONG', request, `messages are limited to ${max} characters`, {
      limit: max,
    });
    return false;
  }
  if (policy.bannedPhrase(request.msg) !== undefined) {
    ctx.session.end({ kind: 'error', error: 'BANNED_PHRASE', request });
    return false;
  }
  return true;
}
