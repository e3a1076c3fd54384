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
   * Whether this request, carried out now, sends nothing before its promise settles, so that
   * the session's next requests may start while it is under way (a pipeline); its promise then
   * resolves to its answer instead of sending it, and the answers keep the requests' order.
   * Called only for a request whose id, phase and fields are valid.
   */
  overlaps?(ctx: CommandContext, request: RequestOf<C>): boolean;
  /**
   * Handles one request. A returned promise holds back the session's next request until it
   * settles, so each client's requests are answered in order (rule 1.4). What it resolves to, if
   * anything, is the answer, sent once every earlier request has been answered.
   * @param text the request's exact source (for RTT's verbatim echo)
   */
  run(ctx: CommandContext, request: RequestOf<C>, text: string): void | Promise<Answer | void>;
}

/** An answer to send once every earlier request of the session has been answered. */
export type Answer = () => void;

/** Any command of the table. */
export type AnyCommand = { [C in RequestCode]: Command<C> }[RequestCode];
