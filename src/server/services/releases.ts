import type { Directory } from '../../backends/directory.js';
import { BackendUnavailableError } from '../../backends/errors.js';
import type { Logger } from '../logger.js';
import type { CloseReason, Session } from '../session.js';
import type { RoomWatches } from './room-watches.js';

/** A member that left, whose release the directory could not take at the time. */
export interface Departure {
  readonly id: string;
  readonly nickname: string;
  readonly room: string;
}

/** What releasing works with. */
export interface ReleaseDeps {
  readonly directory: Directory;
  readonly logger: Logger;
  /** A departure the directory could not take now (a cluster whose Redis is away). */
  readonly unreleased: (departure: Departure) => void;
}

/**
 * Members leaving the directory (rule 3.7): each release frees the nickname and the seat, and the
 * directory tells the room with EXIT_BROADCAST `30` in the same step. A release that cannot
 * reach the directory is handed on (`unreleased`) to be retried.
 */
export class Releases {
  /** During a shutdown departures are not logged one by one. */
  quiet = false;
  /** Releases still in flight, which a shutdown waits for. */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** The ids of the members being released. */
  readonly releasing = new Set<string>();

  constructor(
    private readonly deps: ReleaseDeps,
    private readonly watches: RoomWatches,
  ) {}

  /**
   * Releases a member that is closing, logging its departure. The directory announces it (`30`,
   * counted by the directory) in the same step.
   */
  release(session: Session, reason: CloseReason): Promise<unknown> {
    const { directory, logger } = this.deps;
    const label = session.label;
    const departure: Departure = {
      id: session.id,
      nickname: session.nickname,
      room: session.room,
    };
    return this.track(
      session.id,
      directory.release(session.id, true).then(
        (released) => {
          this.watches.unwatch(session.id);
          if (!released || this.quiet) return;
          // The directory's record is the truth: a rename or move may have landed meanwhile.
          const { nickname, room, userCount } = released;
          const count = population(userCount, room);
          if (reason.kind === 'exit') logger.info(`${nickname} left ${room}. ${count}`);
          else if (reason.kind === 'lost' && reason.clean) {
            logger.info(`${label} left ${room}, closing the connection without EXIT. ${count}`);
          } else if (reason.kind === 'lost') {
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

  /** Lets go of a claim whose session will not be a member after all (it closed meanwhile). */
  abandon(departure: Departure): void {
    this.track(
      departure.id,
      this.deps.directory.release(departure.id, true).then(
        () => this.watches.unwatch(departure.id),
        () => this.deps.unreleased(departure),
      ),
    );
  }

  /**
   * Releases a member whose release could not be made at the time (the directory was out of
   * reach). Rejects with BackendUnavailableError while it still is.
   * @param lost the directory lost its data meanwhile: a member it no longer holds was never
   *   announced as gone, so its room is told now (with the count the room has now)
   */
  async retry(departure: Departure, lost: boolean): Promise<void> {
    const { id, nickname, room } = departure;
    await this.deps.directory.release(id, true, lost ? { nickname, room } : undefined);
    this.watches.unwatch(id);
  }

  /** Resolves once every release in flight has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private track<T>(id: string, releasing: Promise<T>): Promise<T> {
    this.inFlight.add(releasing);
    this.releasing.add(id);
    void releasing.finally(() => {
      this.inFlight.delete(releasing);
      this.releasing.delete(id);
    });
    return releasing;
  }
}

/** `There are 3 users in lobby.` */
export function population(count: number, room: string): string {
  return count === 1 ? `There is 1 user in ${room}.` : `There are ${count} users in ${room}.`;
}
