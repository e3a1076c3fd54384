import type net from 'node:net';
import type { Clock, Timer } from '../server/clock.js';
import type { LinkInput } from '../server/link.js';
import type { NativeAddon, Parking } from '../server/native.js';
import { ParkableSocket, type ParkingHost } from './parkable-socket.js';

/*
 * Parking idle TCP clients (docs/DEVELOPING.md, "Parking idle sockets"). It exists for memory:
 * an idle client's net.Socket costs about 1.3 KB of V8 heap and 0.9 KB of native memory, and
 * most clients of a chat server are idle most of the time; a parked one costs its descriptor and
 * a few dozen bytes. What it costs: a net.Socket is made again when the client next sends
 * anything or needs more than a plain write, tens of microseconds each time.
 */

/**
 * The sweep's period: short, so that each tick parks only a few sockets. A park costs about
 * 30 µs (a dup, an epoll registration, a socket's destruction; a wake about 50 µs), so a
 * wave of idle clients parked all at once would stall every connection for many milliseconds:
 * spread over ticks of 20 ms, 64 at most each (3,200 a second, 10,000 in about 3 s), a tick
 * costs at most about 2 ms.
 */
const MAX_TICK_MS = 20;
const TICKS_PER_WAIT = 4;
const MAX_PARKS = 64;

/** Each socket is looked at about twice per `parkAfterMs`; a look is a few property reads. */
const LOOKS_PER_WAIT = 2;
const MIN_VISITS = 16;

/** What parking a socket gives back: its net.Socket's heap (1.3 KB) and native (0.9 KB) memory. */
export const PARKED_SOCKET_BYTES = 2200;

/**
 * Parked sockets by descriptor, for the whole process: the addon has one callback for every
 * server in it (tests run several), and a descriptor is unique in the process while it is open.
 */
const parkedFds = new Map<number, ParkableSocket>();
/** The servers whose parking has started: the addon watches while there is one. */
let started = 0;

/**
 * The addon reports parked descriptors with input waiting: their sockets are woken. Each is
 * reported once, so one that throws (a bug) does not keep the others asleep: it is thrown after.
 */
function onReady(fds: Int32Array): void {
  let failure: unknown;
  for (const fd of fds) {
    try {
      parkedFds.get(fd)?.wake();
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure !== undefined) throw failure;
}

/** The parking numbers, for stats. */
export interface ParkingStats {
  /** Sockets parked now. */
  readonly parked: number;
  /** Parks and wakes so far. */
  readonly parks: number;
  readonly wakes: number;
}

/**
 * One server's parking: serves its plain TCP clients through {@link ParkableSocket}s and parks
 * those idle for `parkAfterMs`, a slice of them per sweep, round-robin.
 */
export class SocketParking implements ParkingHost {
  /** The sweep's count of its runs: what sockets stamp when they are used. */
  tick = 0;
  private readonly sockets = new Set<ParkableSocket>();
  /** Where the round-robin sweep is in `sockets` (a Set's iterator sees changes as they come). */
  private cursor: Iterator<ParkableSocket> | undefined;
  private timer: Timer | undefined;
  /** Ticks a socket must stay unused to be parked. */
  private readonly idleTicks: number;
  private readonly tickMs: number;
  /** The share of the sockets looked at per tick. */
  private readonly visitShare: number;
  /** Started, and not yet closed. */
  private running = false;
  private parkedNow = 0;
  private parks = 0;
  private wakes = 0;

  /**
   * @param parkAfterMs idle milliseconds before a socket is parked (above 0)
   */
  constructor(
    readonly addon: Parking & NativeAddon,
    parkAfterMs: number,
    private readonly clock: Clock,
  ) {
    this.tickMs = Math.max(1, Math.min(MAX_TICK_MS, parkAfterMs / TICKS_PER_WAIT));
    this.visitShare = (LOOKS_PER_WAIT * this.tickMs) / parkAfterMs;
    // Stamped in tick t and looked at in tick t + n: unused for at least (n - 1) ticks.
    this.idleTicks = Math.ceil(parkAfterMs / this.tickMs) + 1;
  }

  /**
   * The parkable socket that serves `socket`, or undefined for a socket that cannot be parked
   * (not plain TCP): it is then served as a stream. It is parked only once attached.
   */
  serve(socket: net.Socket): ParkableSocket | undefined {
    return ParkableSocket.accepts(socket) ? new ParkableSocket(socket, this) : undefined;
  }

  /** From now on `socket` feeds `input` and may be parked. */
  attach(socket: ParkableSocket, input: LinkInput): void {
    socket.attach(input);
    this.sockets.add(socket);
  }

  /**
   * Starts parking: the addon's watch (the first server of the process starts it) and the
   * sweep. @returns why parking could not start (the server then runs without it), or undefined
   */
  start(): string | undefined {
    if (this.running) return undefined;
    try {
      if (started === 0) this.addon.parkInit(onReady);
    } catch (err) {
      return (err as Error).message;
    }
    started++;
    this.running = true;
    this.timer = this.clock.setInterval(() => this.sweep(), this.tickMs).unref();
    return undefined;
  }

  /**
   * Parks nothing more. What is parked stays so until used: the server's shutdown ends every
   * connection through its link, which wakes it.
   */
  stop(): void {
    this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Once the server has closed: wakes whatever is still parked (nothing, after a shutdown), and
   * the last server of the process stops the addon's watch, so no descriptor of parking's
   * outlives the servers.
   */
  close(): void {
    this.stop();
    if (!this.running) return;
    this.running = false;
    for (const socket of this.sockets) if (socket.parked) socket.destroy();
    if (--started === 0) this.addon.parkStop();
  }

  /** What parking has done so far. */
  stats(): ParkingStats {
    return { parked: this.parkedNow, parks: this.parks, wakes: this.wakes };
  }

  parked(socket: ParkableSocket, fd: number): void {
    parkedFds.set(fd, socket);
    this.parkedNow++;
    this.parks++;
  }

  woke(_socket: ParkableSocket, fd: number): void {
    parkedFds.delete(fd);
    this.parkedNow--;
    this.wakes++;
  }

  gone(socket: ParkableSocket): void {
    this.sockets.delete(socket);
  }

  /** Looks at the next slice of sockets and parks the ones unused for long enough. */
  private sweep(): void {
    const tick = ++this.tick;
    const { sockets, idleTicks } = this;
    let visits = Math.max(MIN_VISITS, Math.ceil(sockets.size * this.visitShare));
    visits = Math.min(visits, sockets.size);
    let parks = 0;
    while (visits-- > 0 && parks < MAX_PARKS) {
      let next = this.cursor?.next();
      if (next === undefined || next.done) {
        this.cursor = sockets.values();
        next = this.cursor.next();
        if (next.done) return;
      }
      const socket = next.value;
      if (tick - socket.activeAt >= idleTicks && socket.park()) parks++;
    }
  }
}
