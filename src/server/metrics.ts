import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** What the metrics read of the server, when they are scraped. */
export interface MetricsSource {
  /** Open connections by transport. */
  connections(): { readonly tcp: number; readonly websocket: number };
  /** Members and rooms with members on this node. */
  local(): { readonly members: number; readonly rooms: number };
  /** Whether the server takes new members (not shutting down, its cluster reachable). */
  serving(): boolean;
}

/**
 * The server's Prometheus metrics (`/metrics`): Node's own (`process_...`, `nodejs_...`, the
 * event-loop lag among them) and Natter's, named `natter_...`. Everything is read when scraped,
 * from counts the server keeps anyway: nothing is added to the path of a message. One registry
 * per server, so that several servers in one process do not mix.
 */
export class Metrics {
  readonly registry = new Registry();

  constructor(source: MetricsSource) {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    new Gauge({
      name: 'natter_connections',
      help: 'Open connections, members or not, by transport',
      labelNames: ['transport'] as const,
      registers,
      collect() {
        const open = source.connections();
        this.set({ transport: 'tcp' }, open.tcp);
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
    new Gauge({
      name: 'natter_serving',
      help: '1 while the node takes new members, 0 while it shuts down or its cluster is unreachable',
      registers,
      collect() {
        this.set(source.serving() ? 1 : 0);
      },
    });
  }

  /** The text a scrape gets, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
