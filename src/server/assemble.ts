import type { Bus } from '../backends/bus.js';
import type { Directory } from '../backends/directory.js';
import type { ModerationStore } from '../backends/moderation.js';
import type { RoomHistory } from '../backends/room-history.js';
import { openModerationStore } from '../moderation-store/open.js';
import { MemoryBus } from '../backends/memory-bus.js';
import { MemoryDirectory } from '../backends/memory-directory.js';
import type { ServerConfig } from '../config/options.js';
import type { Clock } from './clock.js';
import type { Services } from './commands/context.js';
import type { Logger } from './logger.js';
import type { NodeAgent } from './node-agent.js';
import { Counters } from './counters.js';
import { Admission } from './services/admission.js';
import { Announcer } from './services/announcer.js';
import { Deliveries } from './services/deliveries.js';
import { History } from './services/history.js';
import { LocalMembers } from './services/local-members.js';
import { LocalRooms } from './services/local-rooms.js';
import { Membership, type MembershipDeps } from './services/membership.js';
import { ModerationActions } from './services/moderation-actions.js';
import { Moderation } from './services/moderation.js';
import { Operators } from './services/operators.js';
import { Policy } from './services/policy.js';
import { native } from './native.js';
import { DirectFanout } from './write/native-fanout.js';
import { WriteScheduler } from './write/scheduler.js';

/** What a server is made of, besides its connections and transports. */
export interface ServerParts {
  readonly directory: Directory;
  readonly bus: Bus;
  /** The native room fan-out, when it is built and wanted. */
  readonly fanout: DirectFanout | undefined;
  readonly scheduler: WriteScheduler;
  readonly announcer: Announcer;
  readonly membership: Membership;
  readonly admission: Admission;
  /** History, opened before the server listens. */
  readonly history: History;
  /** Bans and mutes, opened before the server listens. */
  readonly moderation: Moderation;
  /** What the commands are given. */
  readonly services: Services;
  /** Opens the stores (history, moderation): before the server listens. */
  open(): Promise<void>;
  /** Closes the stores. */
  close(): Promise<void>;
  /**
   * Takes a reloaded configuration's operators and banned phrases (SIGHUP): a session logged in
   * as an operator who is no longer in it loses the role.
   */
  reload(config: Pick<ServerConfig, 'operators' | 'bannedPhrases'>): void;
}

/** What the parts are made from. */
export interface PartsSource {
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly nodeId: string;
  /** Defaults: a {@link MemoryDirectory} and a {@link MemoryBus} (one node). */
  readonly directory: Directory | undefined;
  readonly bus: Bus | undefined;
  readonly node: NodeAgent | undefined;
  /** A cluster's history; default: a store opened by the {@link History} service. */
  readonly roomHistory: RoomHistory | undefined;
  /** A cluster's moderation store; default: SQLite under the data directory, or memory. */
  readonly moderationStore: ModerationStore | undefined;
}

/**
 * Builds a server's services and wires them, bottom up (docs/DEVELOPING.md, "Layout"): the
 * backends, the write scheduler, membership over the bus, admission, and the services the
 * commands are given. Each part is handed what it uses, never the server.
 */
export function assemble(source: PartsSource): ServerParts {
  const { config, logger, clock, nodeId, node } = source;
  const bus = source.bus ?? new MemoryBus();
  // The in-memory directory announces its changes on the bus, within each change.
  const directory = source.directory ?? new MemoryDirectory(bus);
  const fanout = config.nativeWrites && native ? new DirectFanout(native) : undefined;
  const scheduler = new WriteScheduler(fanout, clock);
  // A cluster node also measures its round trips to Redis.
  const counters = new Counters(node !== undefined);
  const history = new History({ config, bus, clock, given: source.roomHistory });
  const { announcer, membership, members } = assembleMembership({
    history,
    bus,
    directory,
    scheduler,
    clock,
    logger,
    nodeId,
    maxUsers: config.maxUsers,
    counters,
    unreleased: node
      ? (departure) => node.postpone(departure)
      : (departure) => logger.error(`could not release ${departure.nickname}`),
    ...(node ? { serving: () => node.serving() } : {}),
  });
  const admission = new Admission(config, clock, logger, counters);
  const moderation = new Moderation({ members, logger });
  const policy = new Policy(config);
  const operators = new Operators(config.operators, clock, config.ipv6Prefix);
  const actions = new ModerationActions({ moderation, operators, directory, bus, logger });
  const services: Services = {
    directory,
    membership,
    announcer,
    policy,
    history,
    moderation,
    actions,
    settings: config,
    logger,
    counters,
  };
  return {
    directory,
    bus,
    fanout,
    scheduler,
    announcer,
    membership,
    admission,
    history,
    moderation,
    services,
    async open() {
      await history.open(); // before anyone can chat, or the start fails
      const dataDir = config.dataDir === '' ? undefined : config.dataDir;
      await moderation.open(source.moderationStore ?? (await openModerationStore({ dataDir })));
    },
    async close() {
      await history.close();
      await moderation.close();
    },
    reload({ operators: list, bannedPhrases }) {
      policy.reload(bannedPhrases);
      const before = new Map(list.map((o) => [o.name, operators.hashOf(o.name)]));
      operators.reload(list);
      // Removed, or its password changed: a session logged in with the old one is not any more.
      for (const session of members.sessions()) {
        const name = session.operator;
        if (name === undefined) continue;
        const hash = operators.hashOf(name);
        if (hash === undefined || before.get(name) !== hash) {
          session.setOperator(undefined);
          logger.info(`${session.label} is no longer the operator ${name}: removed or changed`);
        }
      }
    },
  };
}

/** What membership is made from. */
export type MembershipSource = Omit<MembershipDeps, 'announcer' | 'rooms' | 'members'> & {
  /** The write scheduler: told of rooms with frames, and of joins. */
  readonly scheduler: WriteScheduler;
  readonly clock: Clock;
  /** Counts the deliveries. */
  readonly counters: Counters;
  /** Numbers and keeps chats while history is on (default: off). */
  readonly history?: { readonly current: RoomHistory | undefined };
};

/**
 * Builds membership and its parts over a bus: the announcer, the local rooms and members, and
 * the bus's receiver, subscribed. (Unit tests build membership the same way.)
 */
export function assembleMembership(source: MembershipSource): {
  readonly announcer: Announcer;
  readonly membership: Membership;
  readonly members: LocalMembers;
} {
  const { bus, scheduler, clock, counters } = source;
  const announcer = new Announcer(bus, source.history);
  const rooms = new LocalRooms(scheduler);
  const members = new LocalMembers(clock);
  const membership = new Membership({ ...source, announcer, rooms, members });
  bus.subscribe(new Deliveries(members, rooms, scheduler, counters).deliver);
  return { announcer, membership, members };
}
