/**
 * The live checks, made while the cluster runs: after a fault heals, USERS on every node must
 * agree and equal the members the harness believes connected; at the end, Redis must hold no
 * member keys once every client has left. Both poll until they hold or their bound passes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LOBBY, SIDE_ROOM, type Canary } from './canaries.js';
import { redisCli } from './cluster.js';
import { now } from './journal.js';

/** The outcome of waiting for consistency. */
export interface Convergence {
  ok: boolean;
  /** From the call to the first consistent look (or to the bound). */
  ms: number;
  /** Why the last look was not consistent. */
  diff: string;
}

/**
 * Polls until, for both rooms, every node's observer gets the same USERS list, equal (as a set)
 * to the nicknames of the clients that believe they are members of that room, and every client
 * is a member. Membership changes must be frozen meanwhile, or the target would move.
 */
export async function converge(
  clients: Canary[],
  observers: Map<string, Canary[]>,
  boundMs: number,
): Promise<Convergence> {
  const start = now();
  let diff = '';
  while (now() - start < boundMs) {
    diff = await look(clients, observers);
    if (!diff) return { ok: true, ms: now() - start, diff };
    await sleep(250);
  }
  return { ok: false, ms: now() - start, diff };
}

async function look(clients: Canary[], observers: Map<string, Canary[]>): Promise<string> {
  const out = clients.filter((c) => !c.member).map((c) => c.who);
  if (out.length) return `not connected: ${out.join(', ')}`;
  for (const room of [LOBBY, SIDE_ROOM]) {
    const expected = clients
      .filter((c) => c.room?.toLowerCase() === room)
      .map((c) => c.nickname)
      .sort();
    const lists: string[][] = [];
    for (const observer of observers.get(room)!) {
      const users = await observer.users();
      if (!users) return `${room}: no USERS answer from ${observer.who}`;
      lists.push(users);
    }
    const first = JSON.stringify(lists[0]);
    for (let i = 1; i < lists.length; i++)
      if (JSON.stringify(lists[i]) !== first)
        return `${room}: node 0 lists ${first}, node ${i} lists ${JSON.stringify(lists[i])}`;
    const got = [...lists[0]!].sort();
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      const missing = expected.filter((n) => !got.includes(n));
      const extra = got.filter((n) => !expected.includes(n));
      return `${room}: USERS missing [${missing.join(', ')}], extra [${extra.join(', ')}]`;
    }
  }
  return '';
}

/** The member keys Redis still holds for `prefix`: an empty string when there are none. */
export async function redisLeftovers(port: number, prefix: string): Promise<string> {
  const found: string[] = [];
  for (const pattern of [`{${prefix}}:m:*`, `{${prefix}}:r:*`]) {
    const keys = (await redisCli(port, '--scan', '--pattern', pattern)).split('\n');
    found.push(...keys.filter(Boolean));
  }
  const nicks = (await redisCli(port, 'hlen', `{${prefix}}:nicks`)).trim();
  if (nicks !== '0') found.push(`{${prefix}}:nicks has ${nicks || '?'} entries`);
  return found.join(', ');
}

/** Polls {@link redisLeftovers} until Redis is clean or `boundMs` passes. */
export async function redisClean(
  port: number,
  prefix: string,
  boundMs: number,
): Promise<{ ok: boolean; ms: number; left: string }> {
  const start = now();
  let left = '';
  while (now() - start < boundMs) {
    left = await redisLeftovers(port, prefix);
    if (!left) return { ok: true, ms: now() - start, left };
    await sleep(250);
  }
  return { ok: false, ms: now() - start, left };
}
