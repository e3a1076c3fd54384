import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock } from '../server/clock.js';
import type { Link, LinkInput } from '../server/link.js';
import type { Logger } from '../server/logger.js';
import { parking as parkingAddon } from '../server/native.js';
import type { Endpoints } from '../server/session.js';
import { DirectSocket } from '../server/write/native-fanout.js';
import { PARKED_SOCKET_BYTES, SocketParking } from './parking.js';
import { attachStream, discardInput } from './stream.js';

/** Opens a connection on `link`; undefined when the client was turned away (it was told why). */
export type OpenConnection = (
  link: Link,
  endpoints: Endpoints,
  direct: DirectSocket | undefined,
) => LinkInput | undefined;

/**
 * Serves the server's byte-stream clients: a plain TCP socket of the chat port through a
 * parkable socket when idle sockets are parked, any other stream (TLS, a Unix socket, a test
 * pipe, an embedder's socket) as it is.
 */
export class ByteStreams {
  /** The parking of idle TCP clients, when it is on and the native addon has it. */
  readonly parking: SocketParking | undefined;

  /**
   * @param direct the native fan-out is used: plain sockets are given to it, and parking
   *   (whose writes go out the same way) is possible
   * @param parkAfterMs idle milliseconds before a TCP client is parked; 0: never
   */
  constructor(
    private readonly open: OpenConnection,
    private readonly direct: boolean,
    parkAfterMs: number,
    clock: Clock,
  ) {
    this.parking =
      direct && parkAfterMs > 0 && parkingAddon
        ? new SocketParking(parkingAddon, parkAfterMs, clock)
        : undefined;
  }

  /** Starts parking idle clients, if it is on; says why not when it cannot start. */
  start(logger: Logger): void {
    const why = this.parking?.start();
    if (why !== undefined) logger.warn(`idle clients are not parked: ${why}`);
  }

  /** What the clients parked now gave back, in bytes (for the memory release). */
  parkedBytes(): number {
    return (this.parking?.stats().parked ?? 0) * PARKED_SOCKET_BYTES;
  }

  /**
   * Serves a TCP socket accepted by the chat port: through a parkable socket when parking is on
   * and it is plain TCP. @returns false when it was turned away (it has been told why)
   */
  accept(socket: net.Socket, endpoints: Endpoints): boolean {
    const { parking } = this;
    const parkable = parking?.serve(socket);
    if (parking === undefined || parkable === undefined) return this.handle(socket, endpoints);
    const input = this.open(parkable, endpoints, parkable);
    if (input) parking.attach(parkable, input);
    else discardInput(socket);
    return input !== undefined;
  }

  /**
   * Serves one client over a duplex byte stream, written directly (the native fan-out) where
   * it is a plain socket. Never parked: the stream may have other owners (an embedder's).
   * @returns false when it was turned away (it has been told why)
   */
  handle(stream: Duplex, endpoints: Endpoints): boolean {
    return this.serve(stream, endpoints, this.direct ? DirectSocket.of(stream) : undefined);
  }

  /** Serves a stream as it is; written directly (the native fan-out) only through `direct`. */
  serve(stream: Duplex, endpoints: Endpoints, direct?: DirectSocket): boolean {
    const input = this.open(stream, endpoints, direct);
    if (input) attachStream(stream, input);
    else discardInput(stream);
    return input !== undefined;
  }
}
