/**
 * Attacks on the server's connections: refused connections carrying data, slowloris, resets,
 * members that never read, and floods from many addresses.
 */
import {
  Attacker,
  addressesFor,
  eventually,
  inParallel,
  sleep,
  type AttackEnv,
} from './clients.js';

/** One attack: what it does, the rule it must not break, and how to check that. */
export interface Attack {
  name: string;
  /** What must hold, in words (the report prints it). */
  rule: string;
  /** Runs the attack; resolves with the rule's violations (none: it held). */
  run(env: AttackEnv, canaries: CanaryView): Promise<string[]>;
  /**
   * Makes what the attack needs before the canaries' window opens (and before the memory and
   * descriptors before it are read), so that the canaries measure the attack alone.
   */
  setup?(env: AttackEnv): Promise<void>;
  /** Undoes `setup`, after the window. */
  teardown?(): Promise<void>;
}

/** What an attack may ask of the canaries. */
export interface CanaryView {
  heardFrom(sender: string): number;
}

/** The members of the default room, as a newcomer's `03` counts them (itself excluded). */
export async function lobbyCount(env: AttackEnv): Promise<number> {
  const probe = new Attacker(env.port, env.address());
  const joined = await probe.join(`probe${Math.floor(Math.random() * 1e9)}`);
  const count = joined ? Number(probe.messages[0]!.userCount) - 1 : -1;
  probe.wire.send({ cmd: '3' });
  await probe.until(() => probe.wire.closed, 2000);
  probe.close();
  return count;
}

const refused: Attack = {
  name: 'refused connections, 60 KB each',
  rule: 'past the per-address rate, every connection gets 922 and is closed; none is kept',
  async run(env) {
    const address = env.address();
    const cycles = env.short ? 200 : 500;
    const payload = Buffer.alloc(60 * 1024, 'x');
    let refusals = 0;
    let unclosed = 0;
    const started = Date.now();
    await inParallel(cycles, 50, async () => {
      const a = new Attacker(env.port, address);
      if (!(await a.wire.connected())) return;
      a.wire.send(payload);
      a.wire.socket.end();
      if (!(await a.until(() => a.wire.closed, 5000))) unclosed++;
      if (a.messages[0]?.cmd === '922') refusals++;
      a.close();
    });
    const problems: string[] = [];
    // Accepted: the burst of 32 and 4 a second after it (the defaults), and no more.
    const allowed = 32 + Math.ceil((4 * (Date.now() - started)) / 1000) + 1;
    if (refusals < cycles - allowed) {
      problems.push(`only ${refusals} of ${cycles} refused with 922 (at most ${allowed} accepted)`);
    }
    if (unclosed > 0) problems.push(`${unclosed} connections not closed within 5 s`);
    return problems;
  },
};

const slowloris: Attack = {
  name: 'slowloris: a CONNECT one byte at a time',
  rule: 'every connection is closed with 918 at the registration timeout',
  async run(env) {
    const count = env.short ? 100 : 500;
    const addresses = addressesFor(env, count);
    const frame = '{"cmd":"0","nickname":"slowloris"}';
    const clients: Attacker[] = [];
    await inParallel(count, 50, async (i) => {
      const a = new Attacker(env.port, addresses[i % addresses.length]!);
      clients.push(a);
      await a.wire.connected();
    });
    // One byte each per 200 ms, for at most 6 s: the registration timeout is 2 s.
    const deadline = Date.now() + 6000;
    for (let at = 0; Date.now() < deadline && clients.some((c) => !c.wire.closed); at++) {
      for (const c of clients) c.wire.send(frame[at % frame.length]!);
      await sleep(200);
    }
    const open = clients.filter((c) => !c.wire.closed).length;
    const without918 = clients.filter((c) => c.wire.closed && c.messages[0]?.cmd !== '918').length;
    for (const c of clients) c.close();
    const problems: string[] = [];
    if (open > 0) problems.push(`${open} of ${count} still open after 6 s`);
    if (without918 > 0) problems.push(`${without918} closed without 918`);
    return problems;
  },
};

const resets: Attack = {
  name: 'members that reset their connections',
  rule: 'every reset member leaves the room; the room holds only the canaries afterwards',
  async run(env) {
    const count = env.short ? 200 : 1000;
    const addresses = addressesFor(env, count);
    let joined = 0;
    await inParallel(count, 50, async (i) => {
      const a = new Attacker(env.port, addresses[i % addresses.length]!);
      if (await a.join(`reset${i}`)) joined++;
      a.wire.socket.resetAndDestroy();
    });
    let left = -1;
    await eventually(async () => (left = await lobbyCount(env)) === 3, 5000, 250);
    const problems: string[] = [];
    if (joined < count) problems.push(`only ${joined} of ${count} could join`);
    if (left !== 3) problems.push(`the room holds ${left} members, not the 3 canaries`);
    return problems;
  },
};

const nonReaders: Attack = {
  name: 'members that never read, in a busy room',
  rule: 'every non-reader is cut off as a slow consumer; the talkers are not',
  async run(env) {
    const count = env.short ? 5 : 20;
    const address = env.address();
    const deaf: Attacker[] = [];
    for (let i = 0; i < count; i++) {
      const a = new Attacker(env.port, address);
      if (await a.join(`deaf${i}`)) a.wire.socket.pause();
      deaf.push(a);
    }
    const talkers = Array.from({ length: 4 }, () => new Attacker(env.port, env.address()));
    await Promise.all(talkers.map((t, i) => t.join(`talker${i}`)));
    // The longest message the server takes (5,000 characters), 15 KB in UTF-8.
    const text = '가'.repeat(5_000);
    // A paused socket never sees its close: the talkers' `30`s tell who was cut off.
    const gone = () =>
      new Set(talkers[0]!.messages.filter((m) => m.cmd === '30').map((m) => String(m.nickname)));
    const allGone = () => deaf.every((_, i) => gone().has(`deaf${i}`));
    // 15 chats a second each (under the flood rate), for at most 20 s.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !allGone()) {
      for (const t of talkers) t.wire.send({ cmd: '7', msg: text });
      await sleep(1000 / 15);
    }
    const open = deaf.filter((_, i) => !gone().has(`deaf${i}`)).length;
    const talkersCut = talkers.filter((t) => t.wire.closed).length;
    for (const a of [...deaf, ...talkers]) a.close();
    const problems: string[] = [];
    if (open > 0) problems.push(`${open} of ${count} non-readers still members after 20 s`);
    if (talkersCut > 0) problems.push(`${talkersCut} talkers were cut off`);
    return problems;
  },
};

const floods: Attack = {
  name: 'floods from 49 addresses',
  rule: 'each flooder gets 917 and is cut off; the room hears exactly the chats it acknowledged',
  async run(env, canaries) {
    const count = 49;
    const perFlooder = env.short ? 500 : 5000;
    const flooders: { name: string; a: Attacker }[] = [];
    await inParallel(count, 49, async (i) => {
      const a = new Attacker(env.port, env.address());
      if (await a.join(`flood${i}`)) flooders.push({ name: `flood${i}`, a });
    });
    for (const { a } of flooders) {
      let burst = '';
      for (let n = 1; n <= perFlooder; n++) burst += `{"cmd":"7","msg":"flood ${n}","id":${n}}\n`;
      a.wire.send(burst);
    }
    await Promise.all(flooders.map(({ a }) => a.until(() => a.wire.closed, 15_000)));
    const acked = () => flooders.reduce((sum, { a }) => sum + a.count('71'), 0);
    const heardAll = () => flooders.reduce((sum, { name }) => sum + canaries.heardFrom(name), 0);
    await eventually(() => heardAll() >= acked(), 5000);
    const problems: string[] = [];
    if (flooders.length < count) problems.push(`only ${flooders.length} of ${count} could join`);
    const open = flooders.filter(({ a }) => !a.wire.closed).length;
    if (open > 0) problems.push(`${open} flooders still connected after 15 s`);
    let acknowledged = 0;
    let heard = 0;
    for (const { name, a } of flooders) {
      const cmds = a.cmds();
      if (cmds[cmds.length - 1] !== '917') problems.push(`${name} ended without 917`);
      acknowledged += a.count('71');
      heard += canaries.heardFrom(name);
      a.close();
    }
    if (heard !== acknowledged) {
      problems.push(`the room heard ${heard} flood chats, ${acknowledged} were acknowledged`);
    }
    return problems;
  },
};

export const CONNECTION_ATTACKS: readonly Attack[] = [
  refused,
  slowloris,
  resets,
  nonReaders,
  floods,
];
