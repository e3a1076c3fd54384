import { constants } from 'node:os';
import type { Duplex } from 'node:stream';
import { getSystemErrorName } from 'node:util';
import type { NativeAddon } from '../native.js';
import type { RoomLog } from './room-log.js';

/*
 * The room fan-out through the optional native addon (native/fanout.c): at the end of a turn, a
 * room's buffer goes to every member that is owed exactly that buffer and has nothing waiting in
 * its stream, a batch of sockets per native call (docs/DEVELOPING.md, "The write path"). This is
 * the only module that knows about libuv handles, with the parking of idle sockets
 * (src/transport/parking.ts), which writes a parked socket's descriptor the same way.
 */

/** The part of a libuv stream handle that a direct write needs. */
export interface SocketHandle {
  readonly fd: number;
}

/**
 * What the fan-out needs of a socket it may write directly. `fd` is read for every member on
 * every turn: it must be a plain property or a cheap getter, never a call into Node's C++ side.
 */
export interface DirectSocket {
  /** The descriptor to send to; valid while `ready`. */
  readonly fd: number;
  /** True while the descriptor is open and still the socket's own, with nothing unsent. */
  readonly ready: boolean;
  /** Told after each direct write to it: traffic, for a socket that parks when idle. */
  wroteDirect?(): void;
}

/**
 * The libuv handle of a plain TCP or Unix socket stream, and its descriptor; undefined for every
 * stream that must be written through its own machinery (TLS, a WebSocket adapter, a test pipe).
 */
export function plainHandle(
  stream: Duplex,
): { readonly handle: SocketHandle; readonly fd: number } | undefined {
  // A TLS socket says so whatever its handle: its bytes must go through the encryption.
  if ((stream as { encrypted?: unknown }).encrypted === true) return undefined;
  const handle = (stream as { _handle?: unknown })._handle;
  if (typeof handle !== 'object' || handle === null) return undefined;
  // Only libuv's own socket handles: a TLS socket's handle (TLSWrap) reports the descriptor of
  // the TCP socket beneath it, where plain bytes would corrupt the encrypted stream.
  const kind = handle.constructor?.name;
  if (kind !== 'TCP' && kind !== 'Pipe') return undefined;
  const fd = (handle as { fd?: unknown }).fd;
  return typeof fd === 'number' && fd >= 0 ? { handle: handle as SocketHandle, fd } : undefined;
}

/**
 * A plain TCP or Unix socket that can be written directly. Its descriptor is valid only while
 * `stream._handle` is the same handle: Node sets `_handle` to null when it closes the socket,
 * before the number can be reused.
 */
class StreamSocket implements DirectSocket {
  constructor(
    private readonly stream: Duplex,
    private readonly handle: SocketHandle,
    /** The descriptor, read once: reading `handle.fd` is a call into Node's C++ side. */
    readonly fd: number,
  ) {}

  get ready(): boolean {
    return streamReady(this.stream, this.handle);
  }
}

/**
 * True while `stream` is open and `handle` still its own, with nothing unsent in it: a direct
 * write then cannot overtake anything.
 */
export function streamReady(stream: Duplex, handle: SocketHandle): boolean {
  return (
    stream.writableLength === 0 &&
    !stream.writableEnded && // an embedder's socket that ended by itself
    (stream as { _handle?: unknown })._handle === handle
  );
}

/** Direct sockets of streams. */
export const DirectSocket = {
  /**
   * The direct socket of a stream, or undefined for every stream that must be written through
   * its own machinery (TLS, a WebSocket adapter, a test pipe).
   */
  of(stream: Duplex): DirectSocket | undefined {
    const plain = plainHandle(stream);
    return plain && new StreamSocket(stream, plain.handle, plain.fd);
  },
};

/** What takes part in a direct fan-out: one member's writer. */
export interface DirectTarget {
  /**
   * The socket to which `log`'s buffer of this turn may be sent directly, or undefined: only
   * when that buffer is all the member is owed and its stream holds nothing unsent, so a direct
   * write cannot overtake anything.
   */
  directSocket(log: RoomLog, turn: number): DirectSocket | undefined;
  /**
   * `sent` bytes of `data` went to the socket directly (0 when its buffer was full); `error`
   * when the socket failed (a reset): the connection ends with it.
   */
  sentDirect(turn: number, data: Uint8Array, sent: number, error: Error | undefined): void;
}

/** A direct send that found the socket's buffer full (EWOULDBLOCK is the same on Linux). */
const EAGAIN = -constants.errno.EAGAIN;

/**
 * Sockets per native call: small enough that the first members are written while the rest are
 * still being gathered, large enough that the call's own cost does not count.
 */
const BATCH = 64;

/**
 * Sends a room's materialised buffer to the members that can take it directly. Anyone else,
 * and whatever a socket did not take at once, goes through the member's stream as before, so
 * the order, the queue limit and the error handling are the stream's as always.
 */
export class DirectFanout {
  private readonly fds = new Int32Array(BATCH);
  private readonly results = new Int32Array(BATCH);
  private readonly targets: (DirectTarget | undefined)[] = [];
  /** Sockets written directly so far; of those, how many took less than all (for stats). */
  sockets = 0;
  shortWrites = 0;

  constructor(private readonly addon: NativeAddon) {}

  /** Sends `log`'s materialised buffer of this turn to the members that can take it directly. */
  send(log: RoomLog, members: Iterable<DirectTarget>, turn: number): void {
    const data = log.buffer;
    // The addon takes up to 2 GiB per call; a larger turn (never seen) goes through the streams.
    if (data === undefined || data.length === 0 || data.length > 0x7fffffff) return;
    const { fds, targets } = this;
    let count = 0;
    for (const member of members) {
      const socket = member.directSocket(log, turn);
      if (socket === undefined) continue;
      fds[count] = socket.fd;
      targets[count++] = member;
      if (count === BATCH) {
        this.sendBatch(count, data, turn);
        count = 0;
      }
    }
    if (count > 0) this.sendBatch(count, data, turn);
  }

  private sendBatch(count: number, data: Uint8Array, turn: number): void {
    const { targets, results } = this;
    const complete = this.addon.sendAll(this.fds, count, data, results);
    this.sockets += count;
    this.shortWrites += count - complete;
    for (let i = 0; i < count; i++) {
      const target = targets[i]!;
      targets[i] = undefined; // no reference kept to a connection that may close
      const result = results[i]!;
      if (result >= 0) target.sentDirect(turn, data, result, undefined);
      else if (result === EAGAIN) target.sentDirect(turn, data, 0, undefined);
      else target.sentDirect(turn, data, 0, sendError(result));
    }
  }
}

/**
 * The send took the socket's pending error (a reset, a keepalive timeout): a write through the
 * stream would only meet EPIPE, so the connection ends with the real cause.
 */
export function sendError(errno: number): Error {
  const code = getSystemErrorName(errno);
  return Object.assign(new Error(`write ${code}`), { code, errno, syscall: 'write' });
}
