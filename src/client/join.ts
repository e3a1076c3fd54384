import { ChatClient } from './chat-client.js';
import { retryPolicy, type ReconnectOptions } from './retry.js';
import type { ClientStream } from './stream.js';

/** What joining the chat takes, on any transport. */
export interface JoinOptions {
  nickname: string;
  /** A room to join instead of the server's default room. */
  room?: string;
  /** How long to wait for the server to accept, in milliseconds; default 10000. */
  timeoutMs?: number;
  /**
   * Heartbeat, in milliseconds (default 15000; 0 for none). The client promises the server to
   * send something at least this often, and sends an RTT when it has nothing else to say. A
   * server that dies without closing the connection is noticed when a heartbeat goes
   * unanswered for as long; the client then closes with code `ETIMEDOUT`.
   */
  heartbeatMs?: number;
  /**
   * Reconnect when the connection is lost (not after `exit()` or `destroy()`, nor when the
   * server closed it for what the client sent, nor after an operator kicked or banned it):
   * `true`, or when to try (by default after 0.5 s,
   * doubling up to 10 s, each wait ±30%, or as long as the server's `retryAfterMs` asks). The
   * client rejoins with its nickname and room, catches up on the chats it missed and sends
   * again those not acknowledged (see {@link ChatClient}). A refusal that may pass (the
   * nickname still held by the lost connection, the room full, the server busy) is retried
   * for `refusalsForMs` (45 s); any other refusal, or `maxAttempts` failures, closes the client.
   * The first join is not retried: `connect()` rejects as without this option.
   */
  reconnect?: boolean | ReconnectOptions;
}

/** The heartbeat the client promises unless told otherwise. */
const DEFAULT_HEARTBEAT_MS = 15_000;

/**
 * Sends CONNECT on an open stream and waits a bounded time for the server to accept; on any
 * refusal or silence the stream is closed and the promise rejects with a {@link NatterError}.
 * @param how.reopen opens a new stream to the same server, for `reconnect`
 * @param how.withinMs the time left for this first CONNECT, when opening the stream took some
 *   of `timeoutMs` (a reconnect's CONNECT has all of it)
 */
export async function joinOver(
  stream: ClientStream,
  options: JoinOptions,
  how: { reopen?: () => Promise<ClientStream>; withinMs?: number } = {},
): Promise<ChatClient> {
  const { reopen } = how;
  const policy = reopen ? retryPolicy(options.reconnect) : undefined;
  const client = new ChatClient(stream, policy && reopen ? { policy, open: reopen } : undefined);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  try {
    await client.join(options.nickname, options.room, { heartbeatMs, timeoutMs }, how.withinMs);
  } catch (err) {
    client.destroy();
    throw err;
  }
  return client;
}
