/**
 * The cluster under test: an own redis-server on a free loopback port (the run restarts it, so
 * it cannot be a shared one), one FaultProxy per node in front of it, and three `natter serve`
 * nodes, node i reaching Redis only through proxy i, so that a fault can hit one node alone.
 * Every child is remembered, so that it is killed whatever way the run ends.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../processes.js';
import { FaultProxy } from './fault-proxy.js';

const NATTER = fileURLToPath(new URL('../../src/cli/natter.js', import.meta.url));

/** Every child process started here and not yet exited. */
const children = new Set<ChildProcess>();

/** SIGKILLs every child still running: the last resort, on exit or from the watchdog. */
export function killAllChildren(): void {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
// A harness that throws or is interrupted must not leave nodes or a Redis behind.
process.on('exit', killAllChildren);

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Runs redis-cli against `port`; its output, or '' when it failed (bounded: 5 s). */
export function redisCli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('redis-cli', ['-p', String(port), ...args], { timeout: 5000 }, (err, out) =>
      resolve(err ? '' : out),
    );
  });
}

/** One node: its fixed port (a restarted node takes the same one) and its process when up. */
interface NodeSlot {
  port: number;
  child: ChildProcess | undefined;
  log: WriteStream;
}

/** Options of the cluster. */
export interface ClusterOptions {
  nodes: number;
  /** The Redis key prefix of this run. */
  prefix: string;
  /** Where the nodes' and Redis's output goes. */
  logDir: string;
}

/** An own Redis, its proxies and the nodes. */
export class ChaosCluster {
  readonly proxies: FaultProxy[] = [];
  private readonly slots: NodeSlot[] = [];
  private redis: ChildProcess | undefined;
  /** Node starts and Redis restarts that had to be retried (a port still held, a slow start). */
  startRetries = 0;

  private constructor(
    readonly options: ClusterOptions,
    readonly redisPort: number,
  ) {}

  /** Starts Redis, the proxies and the nodes, and waits until every node listens. */
  static async start(options: ClusterOptions): Promise<ChaosCluster> {
    mkdirSync(options.logDir, { recursive: true });
    const cluster = new ChaosCluster(options, await freePort());
    try {
      await cluster.startRedis();
      for (let i = 0; i < options.nodes; i++) {
        cluster.proxies.push(
          await FaultProxy.start({ host: '127.0.0.1', port: cluster.redisPort }),
        );
        cluster.slots.push({
          port: await freePort(),
          child: undefined,
          log: createWriteStream(join(options.logDir, `node${i}.log`), { flags: 'a' }),
        });
        await cluster.startNode(i);
      }
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** The client port of node `i`, or undefined while it is down. */
  nodePort(i: number): number | undefined {
    const slot = this.slots[i]!;
    return slot.child ? slot.port : undefined;
  }

  /** Starts node `i` on its port and waits for its "listening" line (bounded, retried). */
  async startNode(i: number): Promise<void> {
    const slot = this.slots[i]!;
    for (let attempt = 0; ; attempt++) {
      try {
        slot.child = await this.spawnNode(i, slot);
        return;
      } catch (err) {
        // A port in TIME_WAIT or a start slowed by a loaded machine: try again a few times.
        if (attempt >= 4) throw err;
        this.startRetries++;
        await sleep(500);
      }
    }
  }

  private spawnNode(i: number, slot: NodeSlot): Promise<ChildProcess> {
    const args = [NATTER, 'serve', '--host', '127.0.0.1', '--port', String(slot.port)];
    args.push('--redis', this.proxies[i]!.url, '--redis-prefix', this.options.prefix);
    // Fixed ports: the HTTP listener's default (the chat port + 1) could be a neighbour's.
    args.push('--max-users', '100', '--log-level', 'info', '--no-http');
    const child = track(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    slot.log.write(`--- ${new Date().toISOString()} node ${i} start pid ${child.pid}\n`);
    child.stdout!.pipe(slot.log, { end: false });
    child.stderr!.pipe(slot.log, { end: false });
    return new Promise((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`node ${i} did not start: ${seen.slice(-500)}`));
      }, 15_000);
      child.stdout!.on('data', (d: Buffer) => {
        if (seen.length < 10_000) seen += d.toString();
        if (/listening on 127\.0\.0\.1:\d+/.test(seen)) {
          clearTimeout(timer);
          resolve(child);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`node ${i} exited (${code ?? signal}) at start: ${seen.slice(-500)}`));
      });
    });
  }

  /** SIGKILLs node `i`: no goodbye, its members are left for the others to reap. */
  async killNode(i: number): Promise<void> {
    const slot = this.slots[i]!;
    const child = slot.child;
    slot.child = undefined;
    if (!child) return;
    slot.log.write(`--- ${new Date().toISOString()} node ${i} SIGKILL\n`);
    child.kill('SIGKILL');
    await exited(child);
  }

  private async startRedis(): Promise<void> {
    const args = ['--port', String(this.redisPort), '--bind', '127.0.0.1'];
    args.push('--save', '', '--appendonly', 'no', '--daemonize', 'no');
    // In the foreground, as our child: killed with everything else if the harness dies.
    this.redis = track(spawn('redis-server', args, { stdio: 'ignore' }));
    const started = this.redis;
    const failed = new Promise<never>((_, reject) => {
      started.once('error', reject);
      started.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)));
    });
    failed.catch(() => undefined);
    for (let i = 0; i < 200; i++) {
      if ((await Promise.race([redisCli(this.redisPort, 'ping'), failed])).includes('PONG')) return;
      await sleep(50);
    }
    throw new Error('redis-server did not start');
  }

  /** Stops Redis losing every key (`shutdown nosave`), keeps it down `downMs`, starts it again. */
  async restartRedis(downMs: number): Promise<void> {
    const old = this.redis;
    await redisCli(this.redisPort, 'shutdown', 'nosave');
    if (old) {
      const timer = setTimeout(() => old.kill('SIGKILL'), 5000);
      await exited(old);
      clearTimeout(timer);
    }
    await sleep(downMs);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.startRedis();
        return;
      } catch (err) {
        if (attempt >= 4) throw err;
        this.startRetries++;
        await sleep(500);
      }
    }
  }

  /** Stops the nodes (SIGTERM, then SIGKILL), the proxies and Redis. Safe to call twice. */
  async stop(): Promise<void> {
    await Promise.all(
      this.slots.map(async (slot) => {
        const child = slot.child;
        slot.child = undefined;
        if (child) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
          await exited(child);
          clearTimeout(timer);
        }
        slot.log.end();
      }),
    );
    await Promise.all(this.proxies.map((p) => p.close().catch(() => undefined)));
    if (this.redis) {
      const redis = this.redis;
      this.redis = undefined;
      redis.kill('SIGKILL');
      await exited(redis);
    }
  }
}
