/**
 * The attackers' side of `npm run attack`: raw clients from their own loopback addresses, and the
 * environment an attack runs in.
 */
import { Wire } from '../soak-wire.js';

/** A raw client that keeps every message it receives. */
export class Attacker {
  readonly wire: Wire;
  readonly messages: Record<string, unknown>[] = [];

  constructor(port: number, localAddress: string) {
    this.wire = new Wire(port, localAddress, (m) => this.messages.push(m));
  }

  /** The commands received, in order. */
  cmds(): string[] {
    return this.messages.map((m) => String(m.cmd));
  }

  count(cmd: string): number {
    return this.messages.filter((m) => m.cmd === cmd).length;
  }

  /** Resolves once `predicate` holds (true) or after `ms` (false). */
  async until(predicate: () => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > deadline) return false;
      await sleep(10);
    }
    return true;
  }

  /** Connects and joins `room` (the default room when absent); false when refused. */
  async join(nickname: string, room?: string): Promise<boolean> {
    if (!(await this.wire.connected())) return false;
    this.wire.send(room === undefined ? { cmd: '0', nickname } : { cmd: '0', nickname, room });
    await this.until(() => this.messages.length > 0 || this.wire.closed, 5000);
    return this.messages[0]?.cmd === '03';
  }

  close(): void {
    this.wire.socket.destroy();
  }
}

/** What an attack has at hand. */
export interface AttackEnv {
  port: number;
  /** The short version (CI): smaller counts, same rules. */
  short: boolean;
  /** A loopback address no earlier attack used: per-address limits start fresh. */
  address(): string;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `predicate` (maybe asynchronous) holds (true), or after `ms` (false). */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  ms: number,
  everyMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

/** Runs `task` for 0..count-1 with at most `width` at once. */
export async function inParallel(
  count: number,
  width: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
}

/**
 * Fresh addresses for `count` connections, 25 to an address: under the per-address limits (64
 * open, a burst of 32 new ones), so that those limits do not decide the attack.
 */
export function addressesFor(env: AttackEnv, count: number): string[] {
  return Array.from({ length: Math.ceil(count / 25) }, () => env.address());
}

/** Loopback addresses from 127.0.1.1 on (127.0.0.1 is the canaries'). */
export function addressAllocator(): () => string {
  let k = 0;
  return () => {
    const n = k++;
    return `127.0.${1 + Math.floor(n / 250)}.${1 + (n % 250)}`;
  };
}
