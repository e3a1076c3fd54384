import type { Bus } from '../../backends/bus.js';
import type { HistoryPage, PageQuery } from '../../backends/history.js';
import { LocalRoomHistory } from '../../backends/local-room-history.js';
import type { RoomHistory } from '../../backends/room-history.js';
import type { ServerConfig } from '../../config/options.js';
import { openHistory } from '../../history/open.js';
import type { Clock } from '../clock.js';

/** What the history service is made from. */
export interface HistorySource {
  readonly config: Pick<
    ServerConfig,
    'history' | 'dataDir' | 'historyMaxPerRoom' | 'historyMaxAgeMs' | 'redis'
  >;
  readonly bus: Bus;
  readonly clock: Clock;
  /** History made elsewhere (a cluster's, on Redis); otherwise a store is opened here. */
  readonly given: RoomHistory | undefined;
}

/**
 * The server's history (docs/protocol.md, section 12): on when the configuration says so, and
 * then backed by a {@link RoomHistory}, opened before the server listens: a cluster's own, or
 * a store (SQLite under `dataDir`, else memory) in front of this node's bus.
 */
export class History {
  private rooms: RoomHistory | undefined;

  constructor(private readonly source: HistorySource) {}

  /** History is on: the `history` capability is granted and HISTORY answered. */
  get enabled(): boolean {
    const { config, given } = this.source;
    // A cluster's history is its own (on Redis): a node never keeps one by itself.
    return config.history && (config.redis === '' || given !== undefined);
  }

  /** The room history, once open (undefined with history off). */
  get current(): RoomHistory | undefined {
    return this.rooms;
  }

  /** Opens the store; call once, before serving. */
  async open(): Promise<void> {
    const { config, bus, clock, given } = this.source;
    if (!this.enabled) return;
    if (given) {
      this.rooms = given;
      return;
    }
    const store = await openHistory({
      ...(config.dataDir === '' ? {} : { dataDir: config.dataDir }),
      maxPerRoom: config.historyMaxPerRoom,
      maxAgeMs: config.historyMaxAgeMs === 0 ? Infinity : config.historyMaxAgeMs,
      timers: clock,
    });
    this.rooms = new LocalRoomHistory(store, bus);
  }

  /** Where history is kept, for the start lines; undefined when in memory (nothing to find). */
  describe(): string | undefined {
    const { config, given } = this.source;
    if (!config.history) return 'History is off (--no-history).';
    if (given) return 'History is kept in Redis, shared by the cluster.';
    return config.dataDir === '' ? undefined : `History is kept in ${config.dataDir}.`;
  }

  /** A page of a room's chats (rule 12.3); history must be open. */
  page(roomKey: string, query: PageQuery): HistoryPage | Promise<HistoryPage> {
    if (!this.rooms) throw new Error('history is not open');
    return this.rooms.page(roomKey, query);
  }

  /** Writes what is pending and lets go of the store. */
  async close(): Promise<void> {
    const rooms = this.rooms;
    this.rooms = undefined;
    await rooms?.close();
  }
}
