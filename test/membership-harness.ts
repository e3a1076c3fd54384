/**
 * One node's membership, for unit tests: a bus that delivers only when the test says so (a
 * cluster's round trip), the in-memory directory announcing on it, a fake clock and turns
 * ended by hand.
 */
import assert from 'node:assert/strict';
import type { Directory } from '../src/backends/directory.js';
import { MemoryDirectory } from '../src/backends/memory-directory.js';
import { encode } from '../src/protocol/encode.js';
import { assembleMembership } from '../src/server/assemble.js';
import { Counters } from '../src/server/counters.js';
import { Logger } from '../src/server/logger.js';
import type { JoinInfo } from '../src/server/services/membership.js';
import type { Departure } from '../src/server/services/releases.js';
import { Session, type CloseReason } from '../src/server/session.js';
import { WriteScheduler } from '../src/server/write/scheduler.js';
import { Writer } from '../src/server/write/writer.js';
import { CaptureLink } from './capture-link.js';
import { DelayedBus } from './delayed-bus.js';
import { FakeClock } from './fake-clock.js';

const endpoints = {
  remoteAddress: '192.0.2.1',
  remotePort: 5000,
  localAddress: '127.0.0.1',
  localPort: 20825,
};

export interface Client {
  readonly session: Session;
  readonly link: CaptureLink;
  readonly closes: CloseReason[];
  /** Settles when the join took effect (or was given up); rejects when it failed. */
  readonly entered: Promise<void>;
}

/**
 * The answer a command would queue where a membership begins (`03` for a join, `120` for a
 * move), reduced to its code and count: a test can see where it stands among the room's frames.
 */
export function answerWith(client: { readonly session: Session }, cmd: string) {
  return (info: JoinInfo) =>
    client.session.writer.send(Buffer.from(encode({ cmd, userCount: info.userCount })));
}

/**
 * Membership on one node whose bus delivers only when the test says so.
 * @param makeDirectory the directory, announcing on the bus it is given
 * @param serving whether the node may admit members (a cluster node's lease)
 */
export function node(
  makeDirectory: (bus: DelayedBus) => Directory = (bus) => new MemoryDirectory(bus),
  nodeId = 'node',
  serving?: () => boolean,
) {
  const clock = new FakeClock();
  const bus = new DelayedBus();
  const directory = makeDirectory(bus);
  const turns: (() => void)[] = [];
  const scheduler = new WriteScheduler(undefined, clock, (run) => turns.push(run));
  const logs: string[] = [];
  const logger = new Logger('info', (_level, line) => logs.push(line));
  const postponed: Departure[] = [];
  const counters = new Counters();
  const { announcer, membership } = assembleMembership({
    bus,
    directory,
    scheduler,
    clock,
    logger,
    nodeId,
    maxUsers: 10,
    counters,
    unreleased: (departure) => postponed.push(departure),
    ...(serving ? { serving } : {}),
  });
  let serial = 0;

  /** Starts a join; once this resolves its `8` is on the bus (or the join failed). */
  async function enter(nickname: string, room = 'lobby', caps?: string[]): Promise<Client> {
    const link = new CaptureLink();
    const writer = new Writer(
      link,
      { flushes: scheduler, clock, maxQueueBytes: 1 << 20, counters },
      undefined,
      { overflowed: () => undefined },
    );
    const closes: CloseReason[] = [];
    const id = `${nodeId}:${serial++}`;
    const session = new Session(id, endpoints, writer, { close: (r) => void closes.push(r) });
    const client = { session, link, closes } as Omit<Client, 'entered'>;
    const entered = membership
      .join(session, { nickname, room }, { caps }, answerWith(client, '03'))
      .then((outcome) => {
        assert.ok(outcome.ok || outcome.reason === 'closed', `the claim was refused: ${nickname}`);
      });
    entered.catch(() => undefined); // a test that expects the join to fail awaits it later
    // The claim resolves within this turn: then the `8` is on the bus (or the join failed).
    await new Promise((resolve) => setImmediate(resolve));
    return { ...client, entered };
  }

  /** Enters and lets the `8` through: a member. */
  async function join(nickname: string, room = 'lobby', caps?: string[]): Promise<Client> {
    const client = await enter(nickname, room, caps);
    bus.deliver();
    await client.entered;
    return client;
  }

  /** Ends the turn, then what each client was sent, as `cmd:text` strings. */
  function received(...clients: Client[]): string[][] {
    for (const run of turns.splice(0)) run();
    return clients.map((c) => {
      const seen = c.link.messages.map(
        (m) => `${String(m.cmd)}:${String(m.msg ?? m.nickname ?? '')}${m.userCount ?? ''}`,
      );
      c.link.clear();
      return seen;
    });
  }

  function chat(from: Client, msg: string): void {
    const { session } = from;
    announcer.announce(session.roomKey, { cmd: '70', from: session.nickname, msg }, session.id);
  }

  return {
    nodeId,
    clock,
    bus,
    directory,
    membership,
    announcer,
    logs,
    logger,
    counters,
    postponed,
    enter,
    join,
    received,
    chat,
  };
}
