import { createHash } from 'node:crypto';
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

/**
 * Per connection, commands held back to be sent together (a turn's chats, redis-bus-scripts.ts):
 * sent before any other script on the connection, so the connection keeps the order in which
 * commands were made.
 */
const held = new WeakMap<Redis, () => void>();

/**
 * Sets what must be sent on `redis` before its next script (see {@link Scripts.call}); it is
 * called once, and must send synchronously. Replaces what was held before.
 */
export function holdUntilNextCommand(redis: Redis, send: () => void): void {
  held.set(redis, send);
}

/** Sends what is held on `redis` now, if anything. */
export function sendHeld(redis: Redis): void {
  const send = held.get(redis);
  if (!send) return;
  held.delete(redis);
  send();
}

/** What a script returns: a flat array of strings and integers. */
export type Reply = (string | number)[];

/**
 * A measurement whose round trip took longer than this is not trusted: it is used only when
 * there is no other (at the start) or after CLOCK_SLOW_LIMIT slow ones in a row (a distant
 * Redis), and the clock is measured again a second later.
 */
const CLOCK_SAMPLE_MAX_RTT_MS = 100;
const CLOCK_SLOW_LIMIT = 3;
/** TIME round trips per measurement, the shortest kept. */
const CLOCK_SAMPLES = 5;

/** This node's clock in ms: monotonic, so a step of the wall clock does not move deadlines. */
const nowMs = () => performance.timeOrigin + performance.now();

/**
 * Redis's clock as seen from this node: deadlines are checked in Redis's own time, so the
 * node's clock may differ from it. The offset is measured with TIME. Redis read its clock at
 * some moment of the round trip, so the offset is taken at its lowest possible value (as if it
 * read it when the answer arrived): a deadline can then only come earlier in Redis than meant,
 * never later, and `923` stays true (rule 9.8).
 */
export class RedisTime {
  private offsetMs: number | undefined;
  /** Slow measurements in a row. */
  private slow = 0;
  private again: NodeJS.Timeout | undefined;

  constructor(private readonly redis: Redis) {}

  /**
   * Measures the offset again, from the quickest of a few round trips; keeps the last one if
   * Redis does not answer, or only slowly (see CLOCK_SAMPLE_MAX_RTT_MS).
   */
  async measure(): Promise<void> {
    let best: { rtt: number; offsetMs: number } | undefined;
    for (let i = 0; i < CLOCK_SAMPLES; i++) {
      const sent = nowMs();
      try {
        const [seconds, micros] = await this.redis.time();
        const received = nowMs();
        const offsetMs = Number(seconds) * 1000 + Number(micros) / 1000 - received;
        if (!best || received - sent < best.rtt) best = { rtt: received - sent, offsetMs };
        if (best.rtt <= CLOCK_SAMPLE_MAX_RTT_MS / 10) break;
      } catch {
        break; // measured again later
      }
    }
    if (!best) return;
    const quick = best.rtt <= CLOCK_SAMPLE_MAX_RTT_MS;
    this.slow = quick ? 0 : this.slow + 1;
    if (quick || this.offsetMs === undefined || this.slow >= CLOCK_SLOW_LIMIT) {
      this.offsetMs = best.offsetMs;
    }
    if (!quick && !this.again) {
      this.again = setTimeout(() => {
        this.again = undefined;
        void this.measure();
      }, 1000).unref();
    }
  }

  /** The deadline, in Redis's time, of a change sent now. */
  deadline(): string {
    return String(Math.floor(nowMs() + (this.offsetMs ?? 0) + DEADLINE_MS));
  }
}

/**
 * Runs a table of scripts on one Redis connection. Every script takes the hash-tagged prefix
 * as its first argument; its one declared key pins it to the prefix's slot (Redis Cluster).
 *
 * Scripts are loaded (SCRIPT LOAD) before their first use and run with EVALSHA. A script that
 * Redis no longer knows (its cache was flushed, or Redis restarted behind a proxy that kept the
 * connection) did not run: the call fails as unavailable and the scripts are loaded again
 * before the next one. Nothing is sent again behind the caller's back, so the commands of one
 * connection run in the order they were made (a member's chats stay in order, rule 1.4).
 */
export class Scripts<Name extends string> {
  /** The hash-tagged key prefix, e.g. `{natter}`. */
  private readonly p: string;
  private readonly shas: Readonly<Record<Name, string>>;
  /** Redis is known to have the scripts. */
  private loaded = false;
  private loading: Promise<void> | undefined;

  /**
   * @param redis a connection used for commands (not for subscriptions); not closed here
   * @param prefix keys start with `{prefix}:`
   * @param table the scripts by name
   */
  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly table: Readonly<Record<Name, string>>,
  ) {
    this.p = `{${prefix}}`;
    const shas = {} as Record<Name, string>;
    for (const name of Object.keys(table) as Name[]) {
      shas[name] = createHash('sha1').update(table[name]).digest('hex');
    }
    this.shas = shas;
    // A connection that comes back may reach a Redis that restarted without them.
    redis.on('close', () => (this.loaded = false));
  }

  /** Loads every script of the table into Redis (its script cache is shared by all clients). */
  private load(): Promise<void> {
    this.loading ??= Promise.all(
      Object.values<string>(this.table).map((lua) => this.redis.script('LOAD', lua)),
    )
      .then(() => {
        this.loaded = true;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
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
    sendHeld(this.redis);
    if (!this.loaded) {
      try {
        await this.load();
      } catch (err) {
        throw new BackendUnavailableError(`redis: ${String((err as Error)?.message ?? err)}`);
      }
    }
    // Without an offline queue, a command is only sent on a ready connection.
    const sent = this.redis.status === 'ready';
    try {
      return await this.redis.evalsha(this.shas[name], 1, `${this.p}:nicks`, this.p, ...args);
    } catch (err) {
      const message = String((err as Error)?.message ?? err);
      if (message.startsWith('NOSCRIPT')) this.loaded = false;
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

/**
 * Errors that mean the command was not carried out: it never left, or Redis refused it (a
 * script it does not know, busy with a script, a replica after a failover, out of memory, writes stopped after a failed save,
 * a cluster without its slot).
 */
const NOT_SENT =
  /enableOfflineQueue|Stream isn't writeable|ECONNREFUSED|LOADING|MaxRetriesPerRequest|Connection is closed|^(NOSCRIPT|BUSY|READONLY|OOM|MASTERDOWN|MISCONF|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/i;

/** Errors that mean a command was sent but its answer never came. */
const ANSWER_LOST = /Command timed out|Connection is closed|ECONNRESET|EPIPE|ETIMEDOUT/i;
