/**
 * Attacks by what a client sends: a burst glued to its CONNECT, endless lines, a million frames in
 * one write, invalid UTF-8, prototype keys, thousands of JOINs and ROOMS amplification.
 */
import {
  Attacker,
  addressesFor,
  eventually,
  inParallel,
  sleep,
  type AttackEnv,
} from './clients.js';
import type { Attack } from './connection-attacks.js';

/** A member of the default room from a fresh address, or undefined when it could not join. */
async function member(env: AttackEnv, nickname: string): Promise<Attacker> {
  const a = new Attacker(env.port, env.address());
  if (!(await a.join(nickname))) throw new Error(`${nickname} could not join`);
  return a;
}

/** Waits for the socket to drain, to close, or `ms` to pass. */
async function drained(a: Attacker, ms: number): Promise<void> {
  const socket = a.wire.socket;
  let done: () => void = () => undefined;
  const timer = setTimeout(() => done(), ms);
  await new Promise<void>((resolve) => {
    done = resolve;
    socket.once('drain', resolve);
    socket.once('close', resolve);
  });
  clearTimeout(timer);
  socket.off('drain', done);
  socket.off('close', done);
}

/** Whether the ids of the answers that carry one never go backwards. */
function inOrder(a: Attacker): boolean {
  let last = -Infinity;
  for (const m of a.messages) {
    if (typeof m.id !== 'number') continue;
    if (m.id < last) return false;
    last = m.id;
  }
  return true;
}

const connectBurst: Attack = {
  name: 'CONNECT and 149 chats in one write',
  rule: '03 first, then every request answered in order until the cut-off; the room hears every acknowledged chat',
  async run(env, canaries) {
    const a = new Attacker(env.port, env.address());
    await a.wire.connected();
    let write = '{"cmd":"0","nickname":"burster"}\n';
    for (let n = 1; n <= 149; n++) write += `{"cmd":"7","msg":"burst ${n}","id":${n}}\n`;
    a.wire.send(write);
    await a.until(() => a.wire.closed, 5000);
    await eventually(() => canaries.heardFrom('burster') >= a.count('71'), 5000);
    const problems: string[] = [];
    if (a.messages[0]?.cmd !== '03') problems.push(`the first answer was ${a.cmds()[0]}, not 03`);
    const answered = new Set(a.messages.map((m) => m.id).filter((id) => id !== undefined));
    const last = Math.max(0, ...[...answered].map(Number));
    for (let n = 1; n <= last; n++) if (!answered.has(n)) problems.push(`chat ${n} unanswered`);
    if (!inOrder(a)) problems.push('answers out of order');
    if (a.count('71') < 99)
      problems.push(`only ${a.count('71')} chats accepted, 99 were in budget`);
    if (canaries.heardFrom('burster') !== a.count('71')) {
      problems.push(`the room heard ${canaries.heardFrom('burster')} of ${a.count('71')} chats`);
    }
    a.close();
    return problems.slice(0, 5);
  },
};

const hugeLines: Attack = {
  name: 'endless lines (100 MB without a newline)',
  rule: 'each sender gets 902 and is closed long before its line ends',
  async run(env) {
    const senders = env.short ? 1 : 3;
    const bytes = (env.short ? 10 : 100) * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const problems: string[] = [];
    await Promise.all(
      Array.from({ length: senders }, async (_, i) => {
        const a = await member(env, `endless${i}`);
        a.messages.length = 0;
        // A chat that never ends: valid JSON as far as it goes.
        a.wire.send('{"cmd":"7","msg":"');
        const deadline = Date.now() + 30_000;
        for (let sent = 0; sent < bytes && !a.wire.closed && Date.now() < deadline;) {
          sent += chunk.length;
          if (!a.wire.socket.write(chunk)) await drained(a, 5000);
        }
        await a.until(() => a.wire.closed, 5000);
        if (!a.wire.closed) problems.push(`sender ${i} not closed`);
        if (a.count('902') !== 1) problems.push(`sender ${i} got no 902: ${a.cmds().join(' ')}`);
        a.close();
      }),
    );
    return problems;
  },
};

const millionFrames: Attack = {
  name: 'a million frames in one write',
  rule: 'answers until flood control cuts the sender off with 917; no more than burst + strikes',
  async run(env) {
    const frames = env.short ? 100_000 : 1_000_000;
    const a = await member(env, 'million');
    a.wire.send('{"cmd":"4"}\n'.repeat(frames));
    await a.until(() => a.wire.closed, 20_000);
    const problems: string[] = [];
    if (!a.wire.closed) problems.push('not cut off within 20 s');
    const cmds = a.cmds();
    if (cmds[cmds.length - 1] !== '917') problems.push(`ended with ${cmds[cmds.length - 1]}`);
    // 03, then at most 100 answers in the burst and 50 refusals (the defaults).
    if (cmds.length > 1 + 100 + 50 + 5) problems.push(`${cmds.length} answers`);
    a.close();
    return problems;
  },
};

const invalidUtf8: Attack = {
  name: 'invalid UTF-8',
  rule: 'each bad frame gets 901; the connection goes on',
  async run(env) {
    const a = await member(env, 'utf8');
    const bad = [
      [0x7b, 0x22, 0x63, 0x6d, 0x64, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d], // {"cmd":"\xff"}
      [0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d], // overlong '/'
      [0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d], // an encoded surrogate
      [0x7b, 0x22, 0xe2, 0x82, 0x22, 0x3a, 0x31, 0x7d], // truncated sequence
    ];
    for (const frame of bad) a.wire.send(Buffer.from([...frame, 0x0a]));
    a.wire.send({ cmd: '4' });
    await a.until(() => a.count('40') > 0 || a.wire.closed, 5000);
    const problems: string[] = [];
    if (a.count('901') !== bad.length) problems.push(`${a.count('901')} of ${bad.length} got 901`);
    if (a.count('40') !== 1) problems.push('VERSION afterwards unanswered');
    a.close();
    return problems;
  },
};

const prototypeKeys: Attack = {
  name: 'prototype keys',
  rule: 'every frame gets one answer; nothing is polluted; the connection goes on',
  async run(env) {
    const a = await member(env, 'proto');
    const frames = [
      '{"cmd":"4","id":1,"__proto__":{"admin":true}}',
      '{"id":2,"__proto__":{"cmd":"4"}}',
      '{"cmd":"7","msg":"p","id":3,"constructor":{"prototype":{"polluted":true}}}',
      '{"cmd":"__proto__","id":4}',
      '{"cmd":"constructor","id":5}',
      '{"cmd":"toString","id":6}',
      '{"cmd":"6","beginTime":{"__proto__":{"x":1}},"id":7}',
      '{"cmd":"2","to":"__proto__","msg":"x","id":8}',
      '{"cmd":"5","newNickname":"__proto__","id":9}',
    ];
    a.wire.send(frames.join('\n') + '\n');
    a.wire.send({ cmd: '1', id: 10 });
    await a.until(() => a.messages.some((m) => m.id === 10) || a.wire.closed, 5000);
    const problems: string[] = [];
    // What each frame must get: a `__proto__` key is a key like any other, never a prototype.
    const expected = ['40', '904', '71', '905', '905', '905', '60', '20', '51', '10'];
    for (let id = 1; id <= 10; id++) {
      const answers = a.messages.filter((m) => m.id === id);
      const codes = answers.map((m) => m.cmd).join(' ');
      if (codes !== expected[id - 1])
        problems.push(`frame ${id} got "${codes}", not ${expected[id - 1]}`);
    }
    const rtt = a.messages.find((m) => m.id === 7);
    if (rtt && !Object.hasOwn(rtt.beginTime as object, '__proto__')) {
      problems.push('the RTT did not echo its __proto__ key');
    }
    for (const m of a.messages) {
      if ('admin' in m || 'polluted' in m) problems.push(`a polluted answer: ${JSON.stringify(m)}`);
    }
    if (a.wire.closed) problems.push('closed');
    a.close();
    return problems;
  },
};

const manyJoins: Attack = {
  name: '10,000 JOINs in one write',
  rule: 'flood control cuts the sender off; no room it made outlives it',
  async run(env) {
    const joins = env.short ? 2000 : 10_000;
    const a = await member(env, 'joiner');
    let write = '';
    for (let n = 0; n < joins; n++) write += `{"cmd":"12","room":"room${n}"}\n`;
    a.wire.send(write);
    await a.until(() => a.wire.closed, 20_000);
    const probe = await member(env, 'roomprobe');
    let rooms: unknown[] = [];
    await eventually(
      async () => {
        const seen = probe.count('110');
        probe.wire.send({ cmd: '11' });
        await probe.until(() => probe.count('110') > seen, 5000);
        rooms = (probe.messages.filter((m) => m.cmd === '110').pop()?.rooms ?? []) as unknown[];
        return rooms.length === 1;
      },
      5000,
      250,
    );
    const problems: string[] = [];
    if (a.count('120') === 0) problems.push('not one JOIN succeeded');
    if (!a.wire.closed) problems.push('not cut off within 20 s');
    if (rooms.length !== 1) problems.push(`${rooms.length} rooms listed afterwards, not 1`);
    a.close();
    probe.close();
    return problems;
  },
};

/** The members holding the rooms of the ROOMS attack, from its setup to its teardown. */
const holders: Attacker[] = [];
let roomsMade = 0;

const roomsAmplification: Attack = {
  name: 'ROOMS amplification with 3,000 rooms',
  rule: 'every answer is one page of at most 100 rooms; askers that wait as told are not cut off',
  async setup(env) {
    const count = env.short ? 300 : 3000;
    const addresses = addressesFor(env, count);
    roomsMade = 0;
    await inParallel(count, 50, async (i) => {
      const a = new Attacker(env.port, addresses[i % addresses.length]!);
      holders.push(a);
      if (await a.join(`holder${i}`, `room-${'🦊'.repeat(8)}-${i}`)) roomsMade++;
    });
  },
  async run(env) {
    const askers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => member(env, `asker${i}`)),
    );
    // Each asker asks as fast as flood control lets it, for 5 s (2 s in the short run): the
    // next ROOMS goes out when the last is answered, or after the wait a refusal names.
    const seconds = env.short ? 2 : 5;
    const until = Date.now() + seconds * 1000;
    const ask = async (a: Attacker) => {
      while (Date.now() < until && !a.wire.closed) {
        const seen = a.messages.length;
        a.wire.send({ cmd: '11' });
        await a.until(() => a.messages.length > seen || a.wire.closed, 5000);
        const answer = a.messages[a.messages.length - 1];
        if (answer?.cmd === '916') await sleep(Number(answer.retryAfterMs ?? 50));
      }
    };
    await Promise.all(askers.map(ask));
    const problems: string[] = [];
    if (roomsMade < holders.length)
      problems.push(`only ${roomsMade} of ${holders.length} rooms made`);
    let bytes = 0;
    for (const a of askers) {
      for (const m of a.messages) {
        if (m.cmd !== '110') continue;
        const rooms = m.rooms as unknown[];
        bytes += JSON.stringify(m).length;
        if (rooms.length > 100) problems.push(`an answer of ${rooms.length} rooms`);
      }
    }
    if (askers.some((a) => a.wire.closed)) problems.push('an asker that waited was cut off');
    if (askers.some((a) => a.count('110') === 0)) problems.push('an asker got no ROOMS answer');
    if (problems.length === 0 && bytes / seconds > 20 * 1024 * 1024) {
      problems.push(`${(bytes / seconds / 1048576).toFixed(1)} MB/s of ROOMS answers`);
    }
    for (const a of askers) a.close();
    return problems.slice(0, 5);
  },
  async teardown() {
    for (const a of holders.splice(0)) a.close();
  },
};

export const INPUT_ATTACKS: readonly Attack[] = [
  connectBurst,
  hugeLines,
  millionFrames,
  invalidUtf8,
  prototypeKeys,
  manyJoins,
  roomsAmplification,
];
