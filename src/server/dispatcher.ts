import { MAX_ID_LENGTH, isRequestId, type RequestId } from '../protocol/messages.js';
import { COMMANDS } from './commands/index.js';
import type { Connection } from './connection.js';

/** The type a request field must have; `?` marks an optional field. */
export type FieldType = 'string' | 'string?' | 'string[]?' | 'integer?' | 'any';

/** A request that passed the shared checks: `cmd` is known, fields have their types. */
export type CheckedRequest = Record<string, unknown> & { cmd: string; id?: RequestId };

/**
 * One entry of the command table (docs/DEVELOPING.md, "Adding a command"). The dispatcher does
 * the checks every command shares, so a handler only holds what is particular to it.
 */
export interface Command {
  /** The request code. */
  readonly cmd: string;
  /** The seed's constant name, for logs and docs. */
  readonly name: string;
  /** `new`: only before joining (CONNECT); `member`: only after. */
  readonly phase: 'new' | 'member';
  /** Fields and their types; checked before `run` is called. */
  readonly fields: Readonly<Record<string, FieldType>>;
  /**
   * Handles one request. A returned promise holds back the connection's next request until it
   * settles, so each client's requests are answered in order.
   * @param text the request's exact source (for RTT's verbatim echo)
   */
  run(conn: Connection, req: CheckedRequest, text: string): void | Promise<void>;
}

/**
 * Checks one decoded request and runs its command (rules 5.2-5.5). Returns the handler's
 * promise when it is asynchronous.
 */
export function dispatch(
  conn: Connection,
  req: Record<string, unknown>,
  text: string,
): void | Promise<void> {
  const id = req.id;
  if (id !== undefined && !isRequestId(id)) {
    conn.fail(
      'INVALID_FIELD',
      { cmd: req.cmd },
      `"id" must be a string of at most ${MAX_ID_LENGTH} characters or a number`,
      { field: 'id' },
    );
    return;
  }
  const cmd = req.cmd;
  if (typeof cmd !== 'string') {
    conn.fail('INVALID_REQUEST', req as { id?: RequestId });
    return;
  }
  const command = COMMANDS.get(cmd);
  const logger = conn.server.logger;
  if (logger.debugEnabled)
    logger.debug(`${conn.label} sent ${command?.name ?? 'unknown'} (${JSON.stringify(cmd)})`);
  if (!command) {
    conn.fail('UNKNOWN_COMMAND', req as CheckedRequest, `unknown command ${JSON.stringify(cmd)}`);
    return;
  }
  if (command.phase !== conn.phase) {
    conn.fail(conn.phase === 'new' ? 'NOT_CONNECTED' : 'ALREADY_CONNECTED', req as CheckedRequest);
    return;
  }
  for (const field in command.fields) {
    const problem = fieldProblem(req, field, command.fields[field]!);
    if (problem) {
      conn.fail('INVALID_FIELD', req as CheckedRequest, `"${field}" ${problem}`, { field });
      return;
    }
  }
  return command.run(conn, req as CheckedRequest, text);
}

function fieldProblem(
  req: Record<string, unknown>,
  field: string,
  type: FieldType,
): string | undefined {
  // Own properties only: a JSON object never inherits a field.
  const present = Object.hasOwn(req, field);
  const value = present ? req[field] : undefined;
  switch (type) {
    case 'any':
      return present ? undefined : 'is missing';
    case 'string':
      if (!present) return 'is missing';
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'string?':
      return !present || typeof value === 'string' ? undefined : 'must be a string';
    case 'integer?':
      return !present || Number.isSafeInteger(value) ? undefined : 'must be a whole number';
    case 'string[]?':
      return !present || (Array.isArray(value) && value.every((v) => typeof v === 'string'))
        ? undefined
        : 'must be an array of strings';
  }
}
