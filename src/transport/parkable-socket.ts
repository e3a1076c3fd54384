import net from 'node:net';
import { constants } from 'node:os';
import type { Link, LinkInput } from '../server/link.js';
import type { NativeAddon, Parking } from '../server/native.js';
import {
  plainHandle,
  sendError,
  streamReady,
  type DirectSocket,
  type SocketHandle,
} from '../server/write/native-fanout.js';

/*
 * A plain TCP client that can be parked while it is idle (docs/DEVELOPING.md, "Parking idle
 * sockets"): its net.Socket is dropped and only a descriptor is kept, watched by the native
 * addon (native/park.c), so an idle client costs a few dozen bytes instead of about 2 KB. It
 * comes back as a new net.Socket as soon as the client sends anything, or anything but a plain
 * complete write is asked of it. The manager, which decides when, is in parking.ts.
 */

/** What a parkable socket needs of the parking that manages it. */
export interface ParkingHost {
  readonly addon: Parking & NativeAddon;
  /** The sweep's tick: a socket stamps it on each read and write through its stream. */
  readonly tick: number;
  /** The socket was parked as `fd`. */
  parked(socket: ParkableSocket, fd: number): void;
  /** The socket parked as `fd` is awake again. */
  woke(socket: ParkableSocket, fd: number): void;
  /** The socket has closed: it is forgotten. */
  gone(socket: ParkableSocket): void;
}

/** A net.Socket served by a parkable socket points back to it, for the shared listeners. */
const OWNER = Symbol('parkable');

interface OwnedSocket extends net.Socket {
  [OWNER]?: ParkableSocket;
}

/** A direct write that found the socket's buffer full. */
const EAGAIN = -constants.errno.EAGAIN;

/** The most a native send takes in one call. */
const MAX_SEND = 0x7fffffff;

/** The one-descriptor arguments of a write while parked (writes are synchronous: shared). */
const oneFd = new Int32Array(1);
const oneResult = new Int32Array(1);

/**
 * A plain TCP socket as a connection's {@link Link} and as the native fan-out's
 * {@link DirectSocket}, in either state: awake (a net.Socket) or parked (a descriptor only).
 * While parked, a plain write is sent directly; whatever else (a partial write, cork, pause,
 * end, destroy) wakes it first, so the core sees a real socket's semantics throughout.
 */
export class ParkableSocket implements Link, DirectSocket {
  /** The socket while awake; undefined while parked (or once it could not be woken). */
  private socket: OwnedSocket | undefined;
  /** The socket's libuv handle, while awake: its descriptor is valid while it is the socket's. */
  private handle: SocketHandle | undefined;
  /** The socket's descriptor while awake, the parked one while parked; -1 when there is none. */
  private descriptor = -1;
  private input: LinkInput | undefined;
  /** It could not be woken: closed, as a destroyed socket is. */
  private lost = false;
  /** The host's tick of the last read or write through the stream. */
  activeAt: number;

  /** @param socket a plain TCP socket (see {@link ParkableSocket.accepts}) */
  constructor(
    socket: net.Socket,
    private readonly host: ParkingHost,
  ) {
    this.activeAt = host.tick;
    this.adopt(socket);
  }

  /** True for the sockets that can be parked: plain TCP, with a descriptor. */
  static accepts(socket: net.Socket): boolean {
    return plainHandle(socket)?.handle.constructor.name === 'TCP';
  }

  /** Feeds `input` with the socket's events from now on (as attachStream does for a stream). */
  attach(input: LinkInput): void {
    this.input = input;
    if (this.socket) listen(this.socket, this);
  }

  /** True while parked. */
  get parked(): boolean {
    return this.socket === undefined && !this.lost;
  }

  /** The descriptor the fan-out sends to: cached, since it is read per member per turn. */
  get fd(): number {
    return this.descriptor;
  }

  get ready(): boolean {
    const { socket, handle } = this;
    if (socket === undefined) return !this.lost;
    return handle !== undefined && streamReady(socket, handle);
  }

  /**
   * Parks the socket if it is idle: nothing unsent, nothing unread, not corked, paused or
   * closing. The descriptor is dup'ed into the addon's watch and the net.Socket destroyed: the
   * dup keeps the connection open, and the peer sees nothing. @returns true when it was parked
   */
  park(): boolean {
    const { socket, handle } = this;
    if (socket === undefined || handle === undefined || this.input === undefined) return false;
    // The handle still the socket's: its descriptor is the client's, not a reused number.
    if (!idle(socket) || !streamReady(socket, handle)) return false;
    const fd = this.host.addon.park(this.descriptor);
    if (fd < 0) return false; // out of descriptors, say: it stays awake
    unlisten(socket);
    socket.on('error', ignore); // never emitted by a plain destroy; never uncaught either
    socket.destroy();
    this.socket = undefined;
    this.handle = undefined;
    this.descriptor = fd;
    this.host.parked(this, fd);
    return true;
  }

  /**
   * Makes a net.Socket of the parked descriptor again and reads from it: data, a FIN or a reset
   * waiting there arrive through its events as they would have.
   */
  wake(): void {
    if (this.socket !== undefined || this.lost) return;
    const fd = this.descriptor;
    const { addon } = this.host;
    addon.unpark(fd);
    this.host.woke(this, fd);
    let socket: net.Socket;
    try {
      socket = new net.Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
    } catch (err) {
      // Never seen: the descriptor is a TCP socket, open. The connection is lost.
      addon.closeParked(fd);
      this.lost = true;
      this.descriptor = -1;
      const input = this.input;
      process.nextTick(() => {
        input?.failed(err as NodeJS.ErrnoException);
        this.closed();
      });
      return;
    }
    this.adopt(socket);
    if (this.input) listen(socket, this);
  }

  /** A direct write: traffic, so that a socket its room keeps busy is not parked. */
  wroteDirect(): void {
    if (this.socket !== undefined) this.activeAt = this.host.tick;
  }

  write(data: Uint8Array): boolean {
    const socket = this.socket;
    if (socket !== undefined) {
      this.activeAt = this.host.tick;
      return socket.write(data);
    }
    if (this.lost || data.length === 0) return !this.lost;
    if (data.length > MAX_SEND) {
      this.wake(); // more than one native call takes (never seen): the stream's own write
      return this.write(data);
    }
    oneFd[0] = this.descriptor;
    this.host.addon.sendAll(oneFd, 1, data, oneResult);
    const sent = oneResult[0]!;
    if (sent === data.length) return true;
    this.wake();
    if (sent >= 0 || sent === EAGAIN) return this.write(sent > 0 ? data.subarray(sent) : data);
    // A reset, say: the socket fails with the cause, as a write through it would.
    this.socket?.destroy(sendError(sent));
    return false;
  }

  cork(): void {
    this.wake();
    this.socket?.cork();
  }

  uncork(): void {
    this.socket?.uncork();
  }

  get writableLength(): number {
    return this.socket?.writableLength ?? 0;
  }

  pause(): void {
    this.wake();
    this.socket?.pause();
  }

  resume(): void {
    this.socket?.resume();
  }

  end(): void {
    this.wake();
    this.socket?.end();
  }

  destroy(error?: Error): void {
    this.wake();
    this.socket?.destroy(error);
  }

  get destroyed(): boolean {
    return this.socket ? this.socket.destroyed : this.lost;
  }

  /** Bytes arrived. */
  received(chunk: Buffer): void {
    this.activeAt = this.host.tick;
    this.input?.receive(chunk);
  }

  /** @internal for the shared listeners */
  get linkInput(): LinkInput | undefined {
    return this.input;
  }

  /** The socket has closed: whatever closed it, the input hears of it once. */
  closed(): void {
    this.host.gone(this);
    this.input?.closed();
  }

  private adopt(socket: net.Socket): void {
    const plain = plainHandle(socket);
    this.socket = socket;
    this.handle = plain?.handle;
    this.descriptor = plain?.fd ?? -1;
  }
}

/** Nothing is under way on the socket: parking it loses nothing and reorders nothing. */
function idle(socket: net.Socket): boolean {
  return (
    socket.writableLength === 0 &&
    socket.writableCorked === 0 &&
    socket.readableLength === 0 &&
    !socket.isPaused() &&
    socket.readyState === 'open' && // readable and writable: not ending, ended or destroyed
    !socket.writableEnded
  );
}

// The listeners, shared by every parkable socket: each finds its own through the socket.

function onData(this: OwnedSocket, chunk: Buffer): void {
  this[OWNER]?.received(chunk);
}

function onDrain(this: OwnedSocket): void {
  this[OWNER]?.linkInput?.drained();
}

function onEnd(this: OwnedSocket): void {
  this[OWNER]?.linkInput?.inputEnded();
}

function onError(this: OwnedSocket, err: NodeJS.ErrnoException): void {
  this[OWNER]?.linkInput?.failed(err);
}

function onClose(this: OwnedSocket): void {
  this[OWNER]?.closed();
}

/** Each event and its listener: the same functions for every socket. */
const LISTENERS = [
  ['data', onData],
  ['drain', onDrain],
  ['end', onEnd],
  ['error', onError],
  ['close', onClose],
] as const;

function listen(socket: OwnedSocket, owner: ParkableSocket): void {
  socket[OWNER] = owner;
  for (const [event, listener] of LISTENERS) socket.on(event, listener as () => void);
}

function ignore(): void {}

/** Lets go of a socket about to be destroyed for parking: its events reach no one. */
function unlisten(socket: OwnedSocket): void {
  socket[OWNER] = undefined;
  for (const [event, listener] of LISTENERS) socket.off(event, listener as () => void);
}
