import type { RequestCode, RequestOf } from '../../protocol/requests.js';
import type { CommandContext } from './context.js';

/**
 * One entry of the command table (docs/DEVELOPING.md, "Adding a command"). The request's fields
 * are in the protocol's table (`REQUESTS`, protocol/requests.ts); the dispatcher checks them,
 * and the phase, before `run` is called, so a handler only holds what is particular to it.
 */
export interface Command<C extends RequestCode = RequestCode> {
  /** The request code. */
  readonly cmd: C;
  /** The seed's constant name, for logs and docs. */
  readonly name: string;
  /** `new`: only before joining (CONNECT); `member`: only after. */
  readonly phase: 'new' | 'member';
  /**
   * Handles one request. A returned promise holds back the session's next request until it
   * settles, so each client's requests are answered in order (rule 1.4).
   * @param text the request's exact source (for RTT's verbatim echo)
   */
  run(ctx: CommandContext, request: RequestOf<C>, text: string): void | Promise<void>;
}

/** Any command of the table. */
export type AnyCommand = { [C in RequestCode]: Command<C> }[RequestCode];
