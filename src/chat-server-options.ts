import type { Bus } from './backends/bus.js';
import type { Directory } from './backends/directory.js';
import type { ModerationStore } from './backends/moderation.js';
import type { RoomHistory } from './backends/room-history.js';
import type { ServerConfig } from './config/options.js';
import type { Clock } from './server/clock.js';
import type { LogSink } from './server/logger.js';
import type { NodeAgent } from './server/node-agent.js';
import type { ParkingStats } from './transport/parking.js';

/** Options for {@link createServer}: any {@link ServerConfig} field, plus the backends. */
export interface ChatServerOptions extends Partial<ServerConfig> {
  /** Who is online; defaults to a `MemoryDirectory` (single node). */
  directory?: Directory;
  /** Delivery between nodes; defaults to a `MemoryBus` (single node). */
  bus?: Bus;
  /**
   * History where the room's order is made; createClusterServer gives the Redis one. Defaults
   * to the store under `dataDir` (memory without one) in front of the memory bus.
   */
  roomHistory?: RoomHistory;
  /**
   * Bans, mutes and the audit log (docs/protocol.md, section 13); createClusterServer gives the
   * Redis one. Defaults to SQLite under `dataDir` (memory without one). Closed with the server.
   */
  moderationStore?: ModerationStore;
  /** This node's id in a cluster (default: random); the backends must use the same. */
  nodeId?: string;
  /** This node's part in a cluster (`createClusterServer` gives one); none for one node. */
  node?: NodeAgent;
  /** Called once the server has closed, to let go of what the backends hold. */
  onClosed?: () => Promise<void>;
  /**
   * Where log lines go. Without it (and without `logLevel`) the server logs nothing; with
   * `logLevel` alone, through pino to stdout and stderr.
   */
  logSink?: LogSink;
  /** The clock every timeout is measured with; defaults to the system's. */
  clock?: Clock;
}

/** What a server has done so far, for tests and monitoring. */
export interface ServerStats {
  /** Open connections, members or not. */
  readonly connections: number;
  /** The native room fan-out, when it is used: sockets written, and short writes among them. */
  readonly nativeFanout: { readonly sockets: number; readonly shortWrites: number } | undefined;
  /** The parking of idle TCP clients, when it is on: parked now, parks and wakes so far. */
  readonly parking: ParkingStats | undefined;
}
