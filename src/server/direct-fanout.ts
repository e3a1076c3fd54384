import type { Connection } from './connection.js';
import type { NativeAddon } from './native.js';
import type { LocalRoom } from './rooms.js';

/**
 * The room fan-out through the native addon: at the end of a turn, the room's buffer goes to
 * every member that is owed exactly that buffer and has nothing waiting in its stream, a batch
 * of sockets per native call (docs/DEVELOPING.md, "The write path"). Anyone else, and whatever
 * a socket did not take at once, goes through the connection's stream as before, so the order,
 * the queue limit and the error handling are the stream's as always.
 */
export class DirectFanout {
  private readonly fds = new Int32Array(BATCH);
  private readonly results = new Int32Array(BATCH);
  private readonly targets: (Connection | undefined)[] = [];
  /** Sockets written directly so far; of those, how many took less than all (for tests, stats). */
  sockets = 0;
  shortWrites = 0;

  constructor(private readonly addon: NativeAddon) {}

  /** Sends `room`'s materialised buffer of this turn to the members that can take it directly. */
  send(room: LocalRoom, turn: number): void {
    const data = room.buffer;
    // The addon takes up to 2 GiB per call; a larger turn (never seen) goes through the streams.
    if (data === undefined || data.length === 0 || data.length > 0x7fffffff) return;
    const { fds, targets } = this;
    let count = 0;
    for (const conn of room.members) {
      const fd = conn.directFd(room, turn);
      if (fd < 0) continue;
      fds[count] = fd;
      targets[count++] = conn;
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
      const conn = targets[i]!;
      targets[i] = undefined; // no reference kept to a connection that may close
      conn.sentDirect(turn, data, results[i]!);
    }
  }
}

/**
 * Sockets per native call: small enough that the first members are written while the rest are
 * still being gathered, large enough that the call's own cost does not count.
 */
const BATCH = 64;
