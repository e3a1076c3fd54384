import type { Directory } from '../backends/directory.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { Announcer } from './services/announcer.js';
import type { Membership } from './services/membership.js';
import type { Departure } from './services/releases.js';

/** What a node agent may use of the server it runs in. */
export interface NodeServices {
  readonly nodeId: string;
  readonly directory: Directory;
  readonly membership: Membership;
  readonly announcer: Announcer;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Told each round trip to the cluster's shared storage, in seconds, for the metrics. */
  readonly roundTrip?: (seconds: number) => void;
}

/**
 * This node's part in a cluster, plugged into a server from outside (src/cluster/liveness.ts
 * is the one implementation): it keeps the node known to the others, reaps the ones that died,
 * and announces the departures the directory could not take at the time. A single node has
 * none; the server itself knows nothing of clusters.
 */
export interface NodeAgent {
  /** Starts, once the server's services exist and before it listens. */
  start(services: NodeServices): Promise<void>;
  /** A departure the directory could not take now: announce it when it can. */
  postpone(departure: Departure): void;
  /**
   * Whether the node may admit members now: false while it is not sure the cluster still takes
   * it for alive (a cluster node whose lease ran out, rule 9.14).
   */
  serving(): boolean;
  /** Stops its timers (a shutdown has begun). */
  stop(): void;
  /** The node shut down cleanly and released its members: the others hear at once. */
  retire(): Promise<void>;
}
