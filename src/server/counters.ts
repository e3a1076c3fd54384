import { Histogram } from 'prom-client';

/** Bounds of the Redis round-trip buckets, in seconds: up to the commands' 2 s timeout. */
const ROUND_TRIP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2];

/**
 * Counts the server keeps for its metrics (`/metrics`, src/server/metrics.ts reads them when
 * scraped). A count is one map update or one integer add, on paths that do the work counted
 * anyway: nothing is allocated or looked up per recipient.
 */
export class Counters {
  /** Requests carried out or refused, by command name (`unknown` for an unknown `cmd`). */
  readonly requests = new Map<string, number>();
  /**
   * Error answers sent, by error name: refused connections, flood refusals and slow-consumer
   * cut-offs among them.
   */
  readonly errors = new Map<string, number>();
  /**
   * Room frames handed to members of this node (chats, joins, leaves, renames, notices): a
   * room's frame adds the number of its local recipients, once, where it joins the room's log.
   */
  roomDeliveries = 0;
  /** Whispers handed to their recipient on this node. */
  whisperDeliveries = 0;
  /**
   * Bytes handed to clients' transports (a socket, the native fan-out, a WebSocket), counted
   * where the writer hands them over: the server's own messages, before any TLS or WebSocket
   * framing.
   */
  bytesOut = 0;
  /**
   * A cluster node's round trips to its Redis, measured on every heartbeat (every 500 ms, on the
   * connection that carries every command); undefined on a single node.
   */
  readonly redisRoundTrips: Histogram | undefined;

  /** @param cluster whether the server is a node of a cluster (it measures Redis round trips) */
  constructor(cluster = false) {
    this.redisRoundTrips = cluster
      ? new Histogram({
          name: 'natter_redis_rtt_seconds',
          help: "Round trips of the node's heartbeat to the cluster's Redis (every 500 ms, answered ones)",
          buckets: ROUND_TRIP_BUCKETS,
          registers: [],
        })
      : undefined;
  }

  request(command: string): void {
    this.requests.set(command, (this.requests.get(command) ?? 0) + 1);
  }

  error(name: string): void {
    this.errors.set(name, (this.errors.get(name) ?? 0) + 1);
  }

  /** Records a round trip to the cluster's Redis, in seconds (a cluster node's heartbeat). */
  redisRoundTrip(seconds: number): void {
    this.redisRoundTrips?.observe(seconds);
  }
}
