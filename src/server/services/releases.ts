import type { Directory } from '../../backends/directory.js';
import { BackendUnavailableError } from '../../backends/errors.js';
import { Cmd } from '../../protocol/codes.js';
import { nameKey } from '../../protocol/names.js';
import type { Logger } from '../logger.js';
import type { CloseReason, Session } from '../session.js';
import type { Announcer } from './announcer.js';
import type { RoomWatches } from './room-watches.js';

/** A member that left; its room is told once the directory has let it go. */
export interface Departure {
  readonly id: string;
  readonly nickname: string;
  readonly room: string;
  /** False for a member that was never announced (a join undone): nobody is told. */
  readonly announce?: boolean;
}

/** What releasing works with. */
export interface ReleaseDeps {
  readonly directory: Directory;
  readonly announcer: Announcer;
  readonly logger: Logger;
  /** A departure the directory could not take now (a cluster whose Redis is away). */
  readonly unreleased: (departure: Departure) => void;
}

/**
 * Members leaving the directory (rule 3.7): each release frees the nickname and the seat, then
 * the room is told with EXIT_BROADCAST `30`, counted by the directory's own answer. A release
 * that cannot reach the directory is handed on (`unreleased`) to be retried.
 */
export class Releases {
  /** During a shutdown departures are not logged one by one. */
  quiet = false;
  /** Releases still in flight, which a shutdown waits for. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: ReleaseDeps,
    private readonly watches: RoomWatches,
  ) {}

  /** Releases a member that is closing, logging its departure. */
  release(session: Session, reason: CloseReason): Promise<unknown> {
    const { directory, logger } = this.deps;
    const label = session.label;
    const departure: Departure = {
      id: session.id,
      nickname: session.nickname,
      room: session.room,
    };
    return this.track(
      directory.release(session.id).then(
        (released) => {
          // The directory's record is the truth: a rename or move may have landed meanwhile.
          if (!released) return this.watches.unwatch(session.id);
          const { nickname, room, userCount } = released;
          this.departed({ ...departure, nickname, room }, userCount);
          if (this.quiet) return;
          const count = population(userCount, room);
          if (reason.kind === 'exit') logger.info(`${nickname} left ${room}. ${count}`);
          else if (reason.kind === 'lost') {
            const detail = reason.detail ? ` (${reason.detail})` : '';
            logger.info(`The connection to ${label} has been lost${detail}. ${count}`);
          } else if (reason.kind === 'error') {
            logger.info(`${label} was disconnected: ${reason.error}. ${count}`);
          }
        },
        (err: unknown) => {
          if (!(err instanceof BackendUnavailableError)) {
            logger.error(`could not release ${label}: ${String(err)}`);
          }
          // The cluster's directory is unreachable: the departure is announced when it is back.
          this.deps.unreleased(departure);
        },
      ),
    );
  }

  /** Lets go of a claim that did not become a member (see Membership.abandon). */
  abandon(departure: Departure): void {
    this.track(
      this.deps.directory.release(departure.id).then(
        (released) =>
          released
            ? this.departed(
                { ...departure, nickname: released.nickname, room: released.room },
                released.userCount,
              )
            : this.watches.unwatch(departure.id),
        () => this.deps.unreleased(departure),
      ),
    );
  }

  /**
   * Tells a room that a member left, and drops the member's watches. With `announce` false the
   * member had never been announced, so nobody is told.
   */
  departed(departure: Departure, userCount: number): void {
    if (departure.announce !== false) {
      try {
        this.deps.announcer.announce(
          nameKey(departure.room),
          { cmd: Cmd.EXIT_BROADCAST, nickname: departure.nickname, userCount },
          undefined,
          { leaves: departure.id },
        );
      } catch (err) {
        if (!(err instanceof BackendUnavailableError)) throw err;
        this.deps.unreleased(departure);
        return;
      }
    }
    this.watches.unwatch(departure.id);
  }

  /** Resolves once every release in flight has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private track<T>(releasing: Promise<T>): Promise<T> {
    this.inFlight.add(releasing);
    void releasing.finally(() => this.inFlight.delete(releasing));
    return releasing;
  }
}

/** `There are 3 users in lobby.` */
export function population(count: number, room: string): string {
  return count === 1 ? `There is 1 user in ${room}.` : `There are ${count} users in ${room}.`;
}
