/**
 * What a {@link ChatClient} needs of its connection: a Node duplex stream (a TCP or TLS socket,
 * a WebSocket stream) has all of it, and in a browser a WebSocket is adapted to it
 * (browser.ts). Chunks are bytes of NDJSON, or one JSON message each.
 */
export interface ClientStream {
  /** Sends one frame; `done`, if given, runs once the stream has taken it or failed. */
  write(frame: string, done?: (err?: Error | null) => void): unknown;
  /** Closes the sending side: the server answers EXIT by closing the connection. */
  end(): unknown;
  /** Closes at once. */
  destroy(): unknown;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'error', listener: (err: Error & { code?: string }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}
