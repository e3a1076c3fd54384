import type { HistoryTimer, HistoryTimers } from './history.js';

/**
 * Runs a store's retention without stopping the server: a round every interval, each round in
 * steps that do a bounded amount of work. A step that leaves work for the round is followed by
 * the next after a 0 ms timer, so whatever else is waiting runs in between.
 */
export class Sweeper {
  private timer: HistoryTimer | undefined;
  private stopped = false;

  /**
   * @param step does one step of the current round; true while the round is unfinished
   * @param onError told of a step that threw; the sweep goes on at the next round
   */
  constructor(
    private readonly timers: HistoryTimers,
    private readonly intervalMs: number,
    private readonly step: () => boolean,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    if (!this.stopped && !this.timer) this.schedule(this.intervalMs);
  }

  /** No step runs after this. */
  stop(): void {
    this.stopped = true;
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    this.timer = this.timers.setTimeout(() => this.run(), ms);
    // A store's sweep alone never keeps the process alive.
    this.timer.unref();
  }

  private run(): void {
    this.timer = undefined;
    let unfinished = false;
    try {
      unfinished = this.step();
    } catch (error) {
      this.onError(error);
    }
    if (!this.stopped) this.schedule(unfinished ? 0 : this.intervalMs);
  }
}

/** Room visits in one step at most: most are a check in memory, a few cost a query. */
const VISITS_PER_STEP = 1000;

/**
 * The rounds of a retention sweep: each round visits every room once (those created during a
 * round wait for the next), and each step removes at most `batch` rows and visits at most
 * {@link VISITS_PER_STEP} rooms.
 */
export class RetentionRounds<Room> {
  private round: Room[] = [];
  private index = 0;

  /**
   * @param rooms the rooms to visit in a new round
   * @param trim removes up to `budget` rows of a room (older chats, expired cids), oldest
   *   first, and returns how many it removed: fewer than `budget` when the room has no more
   */
  constructor(
    private readonly rooms: () => Room[],
    private readonly trim: (room: Room, budget: number) => number,
    private readonly batch: number,
  ) {}

  /** One step; true while the round is unfinished. */
  step(): boolean {
    if (this.index >= this.round.length) {
      this.round = this.rooms();
      this.index = 0;
    }
    let budget = this.batch;
    for (let visits = 0; visits < VISITS_PER_STEP && this.index < this.round.length; visits++) {
      budget -= this.trim(this.round[this.index]!, budget);
      if (budget <= 0) break; // the room may have more: the next step starts with it
      this.index++;
    }
    if (this.index >= this.round.length) this.round = [];
    return this.index < this.round.length;
  }
}
