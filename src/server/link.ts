/**
 * One client's transport, as the core sees it: where its bytes go and how it is closed
 * (docs/DEVELOPING.md, "Transports"). Any Node.js duplex stream is a link as it is (a TCP or TLS
 * socket, a Unix socket, a pipe); a transport adapter (src/transport/) provides one for anything
 * else. Every write holds one or more whole NDJSON frames, so a message-based transport can
 * split writes at each `\n`.
 */
export interface Link {
  /** Writes bytes; false when the transport's buffer is over its mark (wait for a drain). */
  write(data: Uint8Array): boolean;
  /** Holds writes until {@link uncork}, to send several buffers in one system call. */
  cork(): void;
  uncork(): void;
  /** Bytes written but not yet taken by the transport's peer. */
  readonly writableLength: number;
  /** Stops delivering input (a client that sends faster than its requests are handled). */
  pause(): void;
  /** Delivers input again. */
  resume(): void;
  /** Closes once what was written has gone out. */
  end(): void;
  /** Closes at once; `error` is the cause, reported as the transport's error. */
  destroy(error?: Error): void;
  /** True once the transport is closed. */
  readonly destroyed: boolean;
}

/**
 * The other side of the seam: what a transport adapter feeds a connection with. A byte-stream
 * transport calls `receive` with chunks as they come; a message transport (WebSocket) calls
 * `receiveMessage` with each whole message, which is one frame: no newline framing is involved.
 */
export interface LinkInput {
  /** The next bytes of a byte stream. */
  receive(chunk: Uint8Array): void;
  /** One whole message: one request frame. */
  receiveMessage(message: Uint8Array): void;
  /** The client will send nothing more (a TCP FIN). */
  inputEnded(): void;
  /** The transport failed (a reset); `code` says how. */
  failed(error: NodeJS.ErrnoException): void;
  /** The transport took everything written so far. */
  drained(): void;
  /**
   * The transport has closed. An adapter must call it once its transport is closed, whatever
   * closed it (the peer, `end`, `destroy`): only then does the server forget the connection, and
   * a shutdown waits for every connection to be closed.
   */
  closed(): void;
}
