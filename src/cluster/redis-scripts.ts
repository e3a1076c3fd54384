import type { Redis } from 'ioredis';
import { BackendUnavailableError, OutcomeUnknownError } from '../backends/errors.js';

/**
 * How long a node waits for any answer from Redis (ioredis' `commandTimeout`): a request that
 * needs Redis is answered within this, also when Redis neither answers nor resets (rule 9.8).
 */
export const COMMAND_TIMEOUT_MS = 2000;

/**
 * The deadline a change carries, from when it is sent: a script that starts later does nothing
 * (redis-lua.ts). Shorter than the command timeout, so that the answer of a change made at the
 * last moment still has time to arrive before the node gives up on it.
 */
export const DEADLINE_MS = 1500;

/** What a script returns: a flat array of strings and integers. */
export type Reply = (string | number)[];

/**
 * Redis's clock as seen from this node: deadlines are checked in Redis's own time, so the
 * node's clock may differ from it. The offset is measured with TIME, the round trip halved.
 */
export class RedisTime {
  private offsetMs = 0;

  constructor(private readonly redis: Redis) {}

  /** Measures the offset again; keeps the last one if Redis does not answer. */
  async measure(): Promise<void> {
    const sent = Date.now();
    try {
      const [seconds, micros] = await this.redis.time();
      const received = Date.now();
      const redisMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      this.offsetMs = redisMs - (sent + received) / 2;
    } catch {
      // Measured again later.
    }
  }

  /** The deadline, in Redis's time, of a change sent now. */
  deadline(): string {
    return String(Math.ceil(Date.now() + this.offsetMs + DEADLINE_MS));
  }
}

/**
 * Runs a table of scripts on one Redis connection. Every script takes the hash-tagged prefix
 * as its first argument; its one declared key pins it to the prefix's slot (Redis Cluster).
 */
export class Scripts<Name extends string> {
  /** The hash-tagged key prefix, e.g. `{natter}`. */
  private readonly p: string;

  /**
   * @param redis a connection used for commands (not for subscriptions); not closed here
   * @param prefix keys start with `{prefix}:`
   * @param table the scripts by name; names are commands of the connection, so the tables that
   *   share one connection must not share a name
   */
  constructor(
    private readonly redis: Redis,
    prefix: string,
    table: Readonly<Record<Name, string>>,
  ) {
    this.p = `{${prefix}}`;
    for (const [name, lua] of Object.entries<string>(table)) {
      redis.defineCommand(`natter_${name}`, { numberOfKeys: 1, lua });
    }
  }

  /** Runs a script that changes something and returns an array (see {@link call}). */
  async run(name: Name, ...args: (string | Buffer)[]): Promise<Reply> {
    return (await this.call(name, ...args)) as Reply;
  }

  /**
   * Runs a script that only reads: whether a lost answer's command ran does not matter, so any
   * failure to get an answer is BackendUnavailableError.
   */
  async read(name: Name, ...args: (string | Buffer)[]): Promise<Reply> {
    try {
      return (await this.call(name, ...args)) as Reply;
    } catch (err) {
      if (err instanceof OutcomeUnknownError) throw new BackendUnavailableError(err.message);
      throw err;
    }
  }

  /**
   * Runs a script. A Redis that cannot be reached is reported as BackendUnavailableError (the
   * script did not run), one that took the command but whose answer never came (a reset, a
   * timeout) as OutcomeUnknownError (it may have run); an error from the script itself is a bug
   * and stays one.
   */
  async call(name: Name, ...args: (string | Buffer)[]): Promise<unknown> {
    type Script = (...a: (string | Buffer)[]) => Promise<unknown>;
    const command = (this.redis as unknown as Record<string, Script>)[`natter_${name}`]!;
    // Without an offline queue, a command is only sent on a ready connection.
    const sent = this.redis.status === 'ready';
    try {
      return await command.call(this.redis, `${this.p}:nicks`, this.p, ...args);
    } catch (err) {
      const message = String((err as Error)?.message ?? err);
      if (sent && ANSWER_LOST.test(message)) {
        throw new OutcomeUnknownError(`redis: ${message}`);
      }
      if (this.redis.status !== 'ready' || NOT_SENT.test(message)) {
        throw new BackendUnavailableError(`redis: ${message}`);
      }
      throw err;
    }
  }
}

/**
 * A change that came back `late`: it reached Redis after its deadline and was not made. To the
 * client that is the same as Redis being out of reach.
 */
export function lateError(): BackendUnavailableError {
  return new BackendUnavailableError('redis: the change reached Redis after its deadline');
}

/**
 * A change refused by its fence (redis-lua.ts): the node is not alive in the cluster any more,
 * or the member it acted for was removed. Nothing was done.
 */
export function fencedError(): BackendUnavailableError {
  return new BackendUnavailableError('redis: this node or member is no longer in the cluster');
}

/** Errors that mean the command was not carried out: it never left, or Redis refused it. */
const NOT_SENT =
  /enableOfflineQueue|Stream isn't writeable|ECONNREFUSED|LOADING|MaxRetriesPerRequest|Connection is closed/i;

/** Errors that mean a command was sent but its answer never came. */
const ANSWER_LOST = /Command timed out|Connection is closed|ECONNRESET|EPIPE|ETIMEDOUT/i;
