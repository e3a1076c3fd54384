import {
  MAX_ID_LENGTH,
  fieldProblem,
  isRequestId,
  type RequestId,
} from '../../protocol/requests.js';
import { rawMember } from '../../protocol/raw.js';
import type { AnyCommand, Answer } from './command.js';
import type { CommandContext } from './context.js';
import { COMMANDS } from './index.js';

/**
 * Checks one decoded request and runs its command (rules 5.2-5.5): the `id`, the `cmd`, the
 * phase (before or after CONNECT) and the fields, from the protocol's request table. Returns the
 * handler's promise when it is asynchronous.
 */
export function dispatch(
  ctx: CommandContext,
  request: Record<string, unknown>,
  text: string,
): void | Promise<Answer | void> {
  const { id, cmd } = request;
  if (id !== undefined && (!isRequestId(id) || !echoesExactly(id, text))) {
    return ctx.error(
      'INVALID_FIELD',
      { cmd },
      `"id" must be a string of at most ${MAX_ID_LENGTH} characters or a number written as it ` +
        'is echoed (such as 42 or 0.5, not 1.0, 1e2 or an integer beyond 2^53)',
      { field: 'id' },
    );
  }
  // The request itself is what an error answers: its `cmd` is named and its `id` echoed.
  const answering = request as { cmd?: unknown; id?: RequestId };
  if (typeof cmd !== 'string') return ctx.error('INVALID_REQUEST', answering);
  const command: AnyCommand | undefined = COMMANDS.get(cmd);
  ctx.counted(command?.name ?? 'unknown');
  const { logger, session } = ctx;
  if (logger.debugEnabled) {
    logger.debug(`${session.label} sent ${command?.name ?? 'unknown'} (${JSON.stringify(cmd)})`);
  }
  if (!command) {
    return ctx.error('UNKNOWN_COMMAND', answering, `unknown command ${JSON.stringify(cmd)}`);
  }
  if (command.phase !== session.phase) {
    return ctx.error(session.phase === 'new' ? 'NOT_CONNECTED' : 'ALREADY_CONNECTED', answering);
  }
  const bad = fieldProblem(request, command.cmd);
  if (bad) return ctx.error('INVALID_FIELD', answering, bad.problem, { field: bad.field });
  // The fields were checked against the command's own table just above.
  return command.run(ctx, request as never, text);
}

/**
 * Whether a numeric id comes back byte for byte (rule 4.3): answers carry it as JavaScript
 * writes the parsed number, which is not the client's text for `1.0`, `1e2`, `-0` or digits
 * beyond a double's precision. A string id always does.
 */
function echoesExactly(id: RequestId, text: string): boolean {
  return typeof id === 'string' || rawMember(text, 'id') === JSON.stringify(id);
}

/**
 * Whether `request` may be carried out while earlier requests that may overlap are still under
 * way: a valid request whose command says it sends nothing until its promise settles.
 */
export function overlaps(
  ctx: CommandContext,
  request: Record<string, unknown>,
  text: string,
): boolean {
  const { id, cmd } = request;
  // Cheapest first: most requests are of commands that never overlap.
  const command: AnyCommand | undefined = typeof cmd === 'string' ? COMMANDS.get(cmd) : undefined;
  if (!command?.overlaps || command.phase !== ctx.session.phase) return false;
  if (id !== undefined && (!isRequestId(id) || !echoesExactly(id, text))) return false;
  if (fieldProblem(request, command.cmd)) return false;
  return command.overlaps(ctx, request as never);
}
