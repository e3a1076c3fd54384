import type { Ban, Mute } from '../../backends/moderation.js';
import type { PhraseRule } from '../../moderation/phrase-rules.js';
import type { RequestId } from '../../protocol/requests.js';
import type { Logger } from '../logger.js';
import type { Session } from '../session.js';
import type { Moderation, Refusal } from './moderation.js';

/** Who the banned-phrase filter's actions are by, in the audit log and on the wire. */
export const SERVER = 'server';

/** Sessions whose refused message is in the audit log already. */
const refused = new WeakSet<Session>();

/** True the first time a session is refused: only that refusal is kept in the audit log. */
function firstRefusal(session: Session): boolean {
  if (refused.has(session)) return false;
  refused.add(session);
  return true;
}

/**
 * What the banned-phrase filter does to the sender of a rule's phrase (rule 6.1), besides
 * `redact`: the refusal to answer (MESSAGE_REFUSED, MUTED), or the end of the session
 * (BANNED_PHRASE, KICKED, BANNED), which this ends. A mute or ban is kept in the store, and
 * the action in the audit log (not `redact`; a session's first `refuse` only), in the
 * background: the member is refused or closed at once.
 */
export function sanction(
  moderation: Moderation,
  logger: Logger,
  session: Session,
  rule: PhraseRule,
  request: { readonly cmd?: unknown; readonly id?: RequestId },
): Refusal | undefined {
  const nickname = session.nickname;
  const reason = rule.reason ?? '';
  const because = reason === '' ? '' : `: ${reason}`;
  const now = moderation.now();
  const store = moderation.current;
  const kept = (work: Promise<unknown>) =>
    work.catch((err: unknown) =>
      logger.warn(`the filter's ${rule.action} of ${nickname} was not kept: ${String(err)}`),
    );
  // Kept in the audit log, but not every masked word, and a session's refusals once: a member
  // who is neither closed nor muted must not be able to grow the log at will.
  const logged = rule.action !== 'redact' && (rule.action !== 'refuse' || firstRefusal(session));
  if (logged) {
    kept(
      store.appendAudit({
        by: SERVER,
        action: 'filter',
        target: nickname,
        reason,
        details: {
          phrase: rule.phrase,
          applied: rule.action,
          address: session.endpoints.remoteAddress,
        },
      }),
    );
  }
  switch (rule.action) {
    case 'redact':
      return undefined;
    case 'refuse':
      return {
        error: 'MESSAGE_REFUSED',
        detail: `a phrase in it is not allowed here${because}`,
        fields: {},
      };
    case 'disconnect':
      session.end({ kind: 'error', error: 'BANNED_PHRASE', request });
      return undefined;
    case 'kick':
      session.end({
        kind: 'error',
        request,
        error: 'KICKED',
        detail: `kicked by ${SERVER}${because}`,
        fields: { by: SERVER },
      });
      return undefined;
    case 'mute': {
      const durationMs = rule.durationMs!;
      const mute: Mute = {
        id: '',
        nickname,
        reason,
        by: SERVER,
        createdAt: now,
        expiresAt: now + durationMs,
      };
      moderation.muteNow(session, mute);
      kept(store.addMute({ nickname, reason, by: SERVER, durationMs }));
      return moderation.muted(mute);
    }
    case 'ban': {
      const { durationMs } = rule;
      const expiresAt = durationMs === undefined ? null : now + durationMs;
      const ban: Ban = {
        id: '',
        kind: 'nickname',
        target: nickname,
        reason,
        by: SERVER,
        createdAt: now,
        expiresAt,
      };
      session.end({ kind: 'error', request, ...moderation.banned(ban) });
      kept(
        store.addBan({
          nickname,
          reason,
          by: SERVER,
          ...(durationMs === undefined ? {} : { durationMs }),
        }),
      );
      return undefined;
    }
  }
}
