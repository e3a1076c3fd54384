import { ChatClient } from './chat-client.js';
import { NatterError } from './errors.js';
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
}

/** The heartbeat the client promises unless told otherwise. */
const DEFAULT_HEARTBEAT_MS = 15_000;

/**
 * Sends CONNECT on an open stream and waits a bounded time for the server to accept; on any
 * refusal or silence the stream is closed and the promise rejects with a {@link NatterError}.
 */
export async function joinOver(stream: ClientStream, options: JoinOptions): Promise<ChatClient> {
  const client = new ChatClient(stream);
  const timeoutMs = options.timeoutMs ?? 10_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const silence = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new NatterError('ETIMEDOUT', `the server did not answer CONNECT within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([
      client.join(options.nickname, options.room, options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS),
      silence,
    ]);
  } catch (err) {
    client.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return client;
}
