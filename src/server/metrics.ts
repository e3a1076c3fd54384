import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Counters } from './counters.js';

/** What the metrics read of the server, when they are scraped. */
export interface MetricsSource {
  /** Open connections by transport. */
  connections(): { readonly tcp: number; readonly tls: number; readonly websocket: number };
  /** Members and rooms with members on this node. */
  local(): { readonly members: number; readonly rooms: number };
  /** Whether the server takes new members (not shutting down, its cluster reachable). */
  serving(): boolean;
  /** Requests, errors, deliveries and bytes so far; in a cluster, Redis round trips. */
  readonly counters: Counters;
}

/** Error names counted again under a name of their own: what an operator looks for first. */
const NAMED_ERRORS = [
  ['natter_flood_refusals_total', 'RATE_LIMITED', 'Requests refused by flood control'],
  ['natter_flood_disconnects_total', 'FLOOD', 'Clients disconnected for flooding'],
  ['natter_slow_consumers_total', 'SLOW_CONSUMER', 'Clients cut off as slow consumers'],
] as const;

/**
 * The server's Prometheus metrics (`/metrics`; README.md, "Monitoring", lists them): Node's
 * own (`process_...`, `nodejs_...`, the event-loop lag among them) and Natter's, named
 * `natter_...`. Everything is read when scraped, from counts the server keeps anyway: a message
 * costs an integer add or two. One registry per server, so that several servers in one process
 * do not mix.
 */
export class Metrics {
  readonly registry = new Registry();

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    new Gauge({
      name: 'natter_connections',
      help: 'Open connections, members or not, by transport',
      labelNames: ['transport'] as const,
      registers,
      collect() {
        const open = source.connections();
        this.set({ transport: 'tcp' }, open.tcp);
        this.set({ transport: 'tls' }, open.tls);
        this.set({ transport: 'websocket' }, open.websocket);
      },
    });
    new Gauge({
      name: 'natter_members',
      help: 'Members connected to this node',
      registers,
      collect() {
        this.set(source.local().members);
      },
    });
    new Gauge({
      name: 'natter_rooms',
      help: 'Rooms with members on this node',
      registers,
      collect() {
        this.set(source.local().rooms);
      },
    });
    new Counter({
      name: 'natter_requests_total',
      help: 'Requests read, by command (unknown for a cmd that is none)',
      labelNames: ['command'] as const,
      registers,
      collect() {
        this.reset();
        for (const [command, n] of source.counters.requests) this.inc({ command }, n);
      },
    });
    new Counter({
      name: 'natter_errors_total',
      help: 'Errors sent, by name: flood refusals (RATE_LIMITED, FLOOD) and slow-consumer cut-offs (SLOW_CONSUMER) among them',
      labelNames: ['error'] as const,
      registers,
      collect() {
        this.reset();
        for (const [error, n] of source.counters.errors) this.inc({ error }, n);
      },
    });
    for (const [name, error, help] of NAMED_ERRORS) {
      new Counter({
        name,
        help: `${help} (natter_errors_total{error="${error}"})`,
        registers,
        collect() {
          this.reset();
          this.inc(source.counters.errors.get(error) ?? 0);
        },
      });
    }
    new Counter({
      name: 'natter_deliveries_total',
      help: 'Messages handed to members of this node: a room message once per recipient (chats, joins, leaves, renames), a whisper once',
      labelNames: ['kind'] as const,
      registers,
      collect() {
        this.reset();
        this.inc({ kind: 'room' }, source.counters.roomDeliveries);
        this.inc({ kind: 'whisper' }, source.counters.whisperDeliveries);
      },
    });
    new Counter({
      name: 'natter_bytes_out_total',
      help: "Bytes of server messages handed to clients' transports (before TLS or WebSocket framing)",
      registers,
      collect() {
        this.reset();
        this.inc(source.counters.bytesOut);
      },
    });
    // In a cluster only: a single node has no Redis.
    const roundTrips = source.counters.redisRoundTrips;
    if (roundTrips) this.registry.registerMetric(roundTrips);
    new Gauge({
      name: 'natter_serving',
      help: '1 while the node takes new members, 0 while it shuts down or its cluster is unreachable',
      registers,
      collect() {
        this.set(source.serving() ? 1 : 0);
      },
    });
  }

  /** The text a scrape gets, and its content type: Node's metrics, then this server's. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    const merged = Registry.merge([processMetrics(), this.registry]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }
}

let processRegistry: Registry | undefined;

/**
 * Node's own metrics, collected once per process: their observers (garbage collection, the
 * event-loop delay histogram) live as long as the process, whatever servers come and go.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
