/**
 * Real `natter serve` processes forming a cluster on a Redis, for the cluster tests. Each test
 * uses its own key prefix, so tests can share the machine's Redis; a test that restarts Redis
 * starts its own.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import type { TestContext } from 'node:test';
import { Child, natter } from '../cli/process.js';
import { RawClient } from '../helpers.js';
import { needRedis, REDIS_URL } from '../redis.js';

export interface Node {
  readonly child: Child;
  readonly port: number;
}

/** Starts `count` nodes on one Redis; resolves undefined when the test was skipped (no Redis). */
export async function startCluster(
  t: TestContext,
  count: number,
  options: { redisUrl?: string; prefix?: string; args?: string[] } = {},
): Promise<Node[] | undefined> {
  const prefix = options.prefix ?? (await needRedis(t));
  if (!prefix) return undefined;
  const nodes: Node[] = [];
  for (let i = 0; i < count; i++)
    nodes.push(await startNode(t, prefix, options.redisUrl ?? REDIS_URL, options.args));
  return nodes;
}

/** Starts one node of the cluster `prefix`. */
export async function startNode(
  t: TestContext,
  prefix: string,
  redisUrl: string,
  args: string[] = [],
): Promise<Node> {
  const child = natter(t, [
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--redis',
    redisUrl,
    '--redis-prefix',
    prefix,
    '--max-users',
    '100',
    ...args,
  ]);
  const match = await child.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
  return { child, port: Number(match[1]) };
}

/**
 * Joins as `nickname`, retrying (bounded) while the node answers 923: it is getting its Redis
 * connections, or its lease, back.
 */
export async function joinWhenServing(
  t: TestContext,
  port: number,
  nickname: string,
): Promise<RawClient> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = await RawClient.open(t, port);
    client.send({ cmd: '0', nickname });
    const answer = await client.next();
    if (answer.cmd === '03') return client;
    client.close();
    if (Date.now() > deadline) throw new Error(`cannot join as ${nickname}: ${answer.cmd}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A free loopback port. */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A Redis of the test's own, on its own port, which the test may stop and start again. */
export class OwnRedis {
  /** Lets a frozen Redis go on; a no-op while it is not frozen. */
  private thaw: () => void = () => undefined;

  private constructor(readonly port: number) {}

  static async start(t: TestContext): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort());
    await redis.up();
    t.after(() => redis.down());
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server (keeping nothing on disk) and waits until it answers. */
  async up(): Promise<void> {
    await run('redis-server', [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'yes',
      // DEBUG SLEEP lets a test hold Redis still for a moment.
      '--enable-debug-command',
      'yes',
    ]);
    for (let i = 0; i < 100; i++) {
      if (
        (await run('redis-cli', ['-p', String(this.port), 'ping']).catch(() => '')).includes('PONG')
      )
        return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('redis-server did not start');
  }

  /** The redis-server process's id. */
  async pid(): Promise<number> {
    const info = await this.cli('info', 'server');
    return Number(/process_id:(\d+)/.exec(info)![1]);
  }

  /**
   * Freezes Redis (SIGSTOP: it neither answers nor resets a connection); the returned function
   * lets it go on, and the test's end does too.
   */
  async freeze(t: TestContext): Promise<() => void> {
    const pid = await this.pid();
    const thaw = () => {
      this.thaw = () => undefined;
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Already gone.
      }
    };
    this.thaw = thaw;
    process.kill(pid, 'SIGSTOP');
    t.after(thaw);
    return thaw;
  }

  /** Holds Redis still (it answers nothing) for `seconds`, in the background. */
  stall(seconds: number): void {
    spawn('redis-cli', ['-p', String(this.port), 'debug', 'sleep', String(seconds)], {
      stdio: 'ignore',
    });
  }

  /** Runs a redis-cli command against it. */
  cli(...args: string[]): Promise<string> {
    return run('redis-cli', ['-p', String(this.port), ...args]);
  }

  /** Stops it at once, losing every key (`shutdown nosave`). */
  async down(): Promise<void> {
    this.thaw(); // a frozen Redis could not take the command
    await run('redis-cli', ['-p', String(this.port), 'shutdown', 'nosave']).catch(() => undefined);
  }
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // Bounded: a Redis that does not answer must not hold a test forever.
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${out}`)),
    );
  });
}
