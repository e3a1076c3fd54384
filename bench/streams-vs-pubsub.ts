/**
 * How a room's messages could travel between the nodes of a cluster: Redis pub/sub with a
 * counter (what redis-bus.ts does), against Redis Streams. Both run on the same Redis in the same
 * run, taking turns round by round, for 1, 100 and 1000 rooms.
 *
 *   A  pub/sub: the bus's own script (BUS_SCRIPTS.publishRoom: deadline check, INCR, PUBLISH)
 *      per message; 3 subscriber connections, each subscribed to every room's channel.
 *   B  streams: a script with the same deadline check and `XADD <room stream> MAXLEN ~ 1000 *`
 *      per message; 3 reader connections, each looping on `XREAD COUNT 100 BLOCK 0 STREAMS`
 *      over every room's stream, with the last id read from each (one key and one id per room
 *      in every call, sent again after every reply).
 *
 * The 3 connections stand for 3 nodes that have members in every room; they live in a child
 * process, and 2 publisher connections in this one. Every message is a 200-byte frame that
 * starts with its send time (CLOCK_MONOTONIC, shared by the processes), so the readers measure
 * the latency from the publisher's call to their own delivery. Each run has two phases, each
 * drained before the next: a fixed rate (5,000 msgs/s in all), then the most the publishers
 * get through with 64 commands in flight each. Redis CPU is the INFO cpu delta over a phase
 * (publishing and delivering); memory is the INFO used_memory delta after the run.
 *
 * By default it starts its own redis-server on a free loopback port (`redis-server` on PATH),
 * so no other load is counted, and stops it at the end.
 *
 *   node dist/bench/streams-vs-pubsub.js [--seconds N] [--rounds N] [--rooms 1,100,1000]
 *                                        [--redis-port P]   (an already running Redis instead)
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { BUS_SCRIPTS } from '../src/cluster/redis-bus-lua.js';
import { fixed, median, spread, thousands } from './figures.js';
import { freePort, stop } from './processes.js';

type Design = 'pubsub' | 'streams';

const READERS = 3;
const PUBLISHERS = 2;
/** Commands in flight per publisher connection in the max phase. */
const WINDOW = 64;
/** Messages/s in all, in the fixed-rate phase. */
const RATE = 5000;
const FRAME_BYTES = 200;
const MAXLEN = 1000;
const COUNT = 100;
/** At most this many messages per phase, whatever the duration. */
const PHASE_CAP = 3_000_000;
/** A phase is over when every reader has everything, or nothing came for this long. */
const IDLE_MS = 1500;
const DRAIN_MS = 20_000;
/** The whole run stops after this, whatever happens. */
const WATCHDOG_MS = 15 * 60_000;
/**
 * The member id a chat carries (the sender, whom its own node skips), one per room: the bus's
 * script fences a chat on its sender being in the room, so each room has a sender listed there.
 */
const senderOf = (room: number) => `n1.${room}`;

/** Like the bus's script (deadline, sender fence), with XADD into the room's stream in place of INCR and PUBLISH. */
const XADD_SCRIPT = `
local function late(deadline)
  if deadline == nil or deadline == '' or deadline == '0' then return false end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > tonumber(deadline)
end
local p, room, deadline, except, frame, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if late(deadline) then return 0 end
if deadline ~= '' and except ~= '' and redis.call('HGET', p .. ':m:' .. except, 'room') ~= room then
  return -1
end
return redis.call('XADD', p .. ':x:' .. room, 'MAXLEN', '~', maxlen, '*', 'm', except .. '\\n' .. frame)
`;

const channelOf = (p: string, room: number) => `${p}:room:r${room}`;
const streamOf = (p: string, room: number) => `${p}:x:r${room}`;
const counterOf = (p: string, room: number) => `${p}:s:r${room}`;

/** Microseconds on CLOCK_MONOTONIC: the same clock in every process of the machine. */
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PADDING = ' ' + 'x'.repeat(FRAME_BYTES);

/** A frame of FRAME_BYTES that starts with its send time. */
const stamp = () => (String(nowUs()).padStart(16, '0') + PADDING).slice(0, FRAME_BYTES);

/** The send time at the start of a frame. */
const sentAt = (text: string, from: number) => parseInt(text.substring(from, from + 16), 10);

const connect = (port: number, extra: object = {}) =>
  new Redis({ host: '127.0.0.1', port, protocol: 2, lazyConnect: false, ...extra });

// ---------------------------------------------------------------------------------------------
// The readers (the child process)

type ToReader =
  | { type: 'setup'; design: Design; rooms: number; prefix: string; port: number }
  | { type: 'reset' }
  | { type: 'expect'; count: number }
  | { type: 'teardown' };

interface PhaseReport {
  type: 'report';
  /** Deliveries received, all readers together. */
  received: number;
  /** When the last delivery came (µs, CLOCK_MONOTONIC). */
  lastUs: number;
  p50: number;
  p99: number;
  /** CPU of the readers' process over the phase, µs. */
  cpuUs: number;
  /** XREAD replies, all readers together. */
  replies: number;
  /** Connections lost (closed by Redis) during the phase. */
  drops: number;
}

type FromReader = { type: 'ready' } | { type: 'ok' } | { type: 'done' } | PhaseReport;

/** Latencies in µs, growing as needed. */
class Samples {
  private values = new Float64Array(1 << 16);
  private n = 0;

  add(v: number): void {
    if (this.n === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.n++] = v;
  }

  /** The given percentiles, in ms. */
  percentiles(...ps: number[]): number[] {
    const sorted = this.values.subarray(0, this.n).sort();
    return ps.map((p) => (this.n ? sorted[Math.floor(p * (this.n - 1))]! / 1000 : NaN));
  }
}

class Readers {
  private conns: Redis[] = [];
  private counts: number[] = [];
  private samples = new Samples();
  private lastUs = 0;
  private replies = 0;
  private drops = 0;
  private cpu = process.cpuUsage();
  private active = false;

  async setup(design: Design, rooms: number, prefix: string, port: number): Promise<void> {
    const p = `{${prefix}}`;
    this.active = true;
    this.conns = [];
    this.counts = new Array<number>(READERS).fill(0);
    for (let c = 0; c < READERS; c++) {
      const conn = connect(port, { connectionName: `svp:reader:${c}` });
      conn.on('error', () => undefined);
      conn.on('close', () => {
        if (this.active) this.drops++;
      });
      this.conns.push(conn);
      if (design === 'pubsub') {
        conn.on('message', (_channel: string, message: string) => {
          // `R<seq> <except>\n<frame>`
          this.got(c, sentAt(message, message.indexOf('\n') + 1));
        });
        const channels = Array.from({ length: rooms }, (_, r) => channelOf(p, r));
        for (let i = 0; i < channels.length; i += 500) {
          await conn.subscribe(...channels.slice(i, i + 500));
        }
      } else {
        await conn.ping();
        void this.readLoop(c, conn, rooms, p);
      }
    }
  }

  /** One node's reading: XREAD over every room's stream from the last id of each, forever. */
  private async readLoop(c: number, conn: Redis, rooms: number, p: string): Promise<void> {
    const keys = Array.from({ length: rooms }, (_, r) => streamOf(p, r));
    const index = new Map(keys.map((k, i) => [k, i]));
    const head = ['COUNT', String(COUNT), 'BLOCK', '0', 'STREAMS'];
    const args = [...head, ...keys, ...keys.map(() => '0-0')];
    const idAt = head.length + rooms;
    type Reply = [key: string, entries: [id: string, fields: string[]][]][] | null;
    while (this.active) {
      let reply: Reply;
      try {
        reply = (await conn.call('XREAD', args)) as Reply;
      } catch {
        if (!this.active) return;
        await sleep(100);
        continue;
      }
      this.replies++;
      if (!reply) continue;
      for (const [key, entries] of reply) {
        for (const [, fields] of entries) {
          const value = fields[1] ?? '';
          this.got(c, sentAt(value, value.indexOf('\n') + 1));
        }
        const last = entries[entries.length - 1];
        if (last) args[idAt + index.get(key)!] = last[0];
      }
    }
  }

  private got(c: number, sent: number): void {
    const now = nowUs();
    this.counts[c]!++;
    this.lastUs = now;
    this.samples.add(now - sent);
  }

  reset(): void {
    this.counts.fill(0);
    this.samples = new Samples();
    this.replies = 0;
    this.drops = 0;
    this.lastUs = 0;
    this.cpu = process.cpuUsage();
  }

  /** Waits for `count` deliveries on every reader, or until they stop coming. */
  async report(count: number): Promise<PhaseReport> {
    const start = Date.now();
    while (Date.now() - start < DRAIN_MS) {
      if (this.counts.every((n) => n >= count)) break;
      const sinceLast = this.lastUs ? (nowUs() - this.lastUs) / 1000 : Infinity;
      if (Math.min(Date.now() - start, sinceLast) > IDLE_MS) break;
      await sleep(20);
    }
    const cpu = process.cpuUsage(this.cpu);
    const [p50, p99] = this.samples.percentiles(0.5, 0.99);
    return {
      type: 'report',
      received: this.counts.reduce((a, b) => a + b, 0),
      lastUs: this.lastUs,
      p50: p50!,
      p99: p99!,
      cpuUs: cpu.user + cpu.system,
      replies: this.replies,
      drops: this.drops,
    };
  }

  teardown(): void {
    this.active = false;
    for (const conn of this.conns) conn.disconnect();
    this.conns = [];
  }
}

function readerProcess(): void {
  const readers = new Readers();
  const send = (m: FromReader) => process.send!(m);
  process.on('message', (m: ToReader) => {
    const handle = async (): Promise<FromReader> => {
      switch (m.type) {
        case 'setup':
          await readers.setup(m.design, m.rooms, m.prefix, m.port);
          return { type: 'ready' };
        case 'reset':
          readers.reset();
          return { type: 'ok' };
        case 'expect':
          return readers.report(m.count);
        case 'teardown':
          readers.teardown();
          return { type: 'done' };
      }
    };
    handle().then(send, (err: Error) => {
      console.error(`reader: ${err.message}`);
      process.exit(1);
    });
  });
  process.on('disconnect', () => {
    readers.teardown();
    process.exit(0);
  });
}

// ---------------------------------------------------------------------------------------------
// The publishers and the measurements (the main process)

interface Options {
  seconds: number;
  rounds: number;
  rooms: number[];
  redisPort: number | undefined;
}

function options(argv: string[]): Options {
  const o: Options = { seconds: 3, rounds: 3, rooms: [1, 100, 1000], redisPort: undefined };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    const number = Number(value);
    switch (argv[i]) {
      case '--seconds':
        if (!(number > 0 && number <= 60)) throw new Error('--seconds: 0 < N <= 60');
        o.seconds = number;
        break;
      case '--rounds':
        if (!(Number.isInteger(number) && number > 0 && number <= 20)) throw new Error('--rounds');
        o.rounds = number;
        break;
      case '--rooms':
        o.rooms = (value ?? '').split(',').map(Number);
        if (!o.rooms.every((r) => Number.isInteger(r) && r > 0 && r <= 10_000))
          throw new Error('--rooms: a list like 1,100,1000 (each at most 10000)');
        break;
      case '--redis-port':
        if (!(Number.isInteger(number) && number > 0)) throw new Error('--redis-port');
        o.redisPort = number;
        break;
      default:
        throw new Error(`unknown option ${argv[i]}`);
    }
    i++;
  }
  return o;
}

async function startRedis(port: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server: ${output}`)), 10_000);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

/** Asks the readers' process something, and waits for its answer. */
function ask<T extends FromReader['type']>(
  child: ChildProcess,
  message: ToReader,
  answer: T,
): Promise<Extract<FromReader, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromReader) => {
      if (m.type !== answer) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as Extract<FromReader, { type: T }>);
    };
    const onExit = () => reject(new Error('the readers process exited'));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(message);
  });
}

async function info(ctl: Redis, section: string, field: string): Promise<number> {
  const text = await ctl.info(section);
  const match = new RegExp(`^${field}:(\\S+)`, 'm').exec(text);
  return Number(match?.[1]);
}

/** Redis's CPU seconds so far, user and system. */
async function redisCpu(ctl: Redis): Promise<number> {
  return (await info(ctl, 'cpu', 'used_cpu_sys')) + (await info(ctl, 'cpu', 'used_cpu_user'));
}

type Send = (pub: Redis, room: number) => Promise<unknown>;

function sender(design: Design, sha: string, p: string): Send {
  const key = `${p}:nicks`;
  // Far enough: the script checks it (with TIME) and goes on, like a node's deadline.
  const deadline = String(Date.now() + 3_600_000);
  const max = String(MAXLEN);
  const call: Send =
    design === 'pubsub'
      ? (pub, room) => pub.evalsha(sha, 1, key, p, `r${room}`, deadline, senderOf(room), stamp())
      : (pub, room) =>
          pub.evalsha(sha, 1, key, p, `r${room}`, deadline, senderOf(room), stamp(), max);
  // A refused publish (late or fenced) would leave the readers waiting for nothing: stop loudly.
  return async (pub, room) => {
    const result = await call(pub, room);
    if (result === 0 || result === -1) throw new Error(`the script refused to publish: ${result}`);
    return result;
  };
}

/** Publishes `rate` msgs/s in all for `seconds`, in steps of a millisecond; returns the count. */
async function paced(pubs: Redis[], send: Send, rooms: number, rate: number, seconds: number) {
  const start = performance.now();
  let sent = 0;
  let pending = 0;
  let failed: unknown;
  while (true) {
    const elapsed = (performance.now() - start) / 1000;
    if (elapsed >= seconds || failed) break;
    const due = Math.min(PHASE_CAP, Math.floor(elapsed * rate));
    // At most 10,000 unanswered: a stalled Redis does not pile up commands here.
    while (sent < due && pending < 10_000) {
      pending++;
      send(pubs[sent % pubs.length]!, sent % rooms).then(
        () => pending--,
        (err: unknown) => (failed = err),
      );
      sent++;
    }
    await sleep(1);
  }
  while (pending > 0 && !failed) await sleep(1);
  if (failed) throw failed;
  return sent;
}

/** Publishes as fast as WINDOW commands in flight per connection allow; returns the count. */
async function flat(pubs: Redis[], send: Send, rooms: number, seconds: number) {
  const end = performance.now() + seconds * 1000;
  let sent = 0;
  await Promise.all(
    pubs.map(
      (pub) =>
        new Promise<void>((resolve, reject) => {
          let inflight = 0;
          const more = () => {
            while (inflight < WINDOW && sent < PHASE_CAP && performance.now() < end) {
              inflight++;
              send(pub, sent++ % rooms).then(() => {
                inflight--;
                more();
              }, reject);
            }
            if (inflight === 0) resolve();
          };
          more();
        }),
    ),
  );
  return sent;
}

interface Phase {
  /** Messages published, per second of publishing. */
  pubRate: number;
  /** Deliveries per second per reader, from the first publish to the last delivery. */
  deliveryRate: number;
  p50: number;
  p99: number;
  /** Deliveries expected but not received (all readers). */
  lost: number;
  drops: number;
  redisUsPerMsg: number;
  readerUsPerDelivery: number;
  /** XREAD replies per second per reader, and deliveries per reply. */
  repliesPerSec: number;
  perReply: number;
  sent: number;
}

interface Run {
  fixed: Phase;
  max: Phase;
  /** used_memory after the run, less before it; entries held in the streams. */
  memory: number;
  entries: number;
  sent: number;
  /** Streams only: one XREAD over every stream with nothing new (round trip, Redis CPU). */
  emptyReadUs?: number;
  emptyReadRedisUs?: number;
  /** Streams only: one XREAD of up to COUNT entries of every room from the start (ms, entries). */
  replayMs?: number;
  replayed?: number;
}

interface Bench {
  ctl: Redis;
  pubs: Redis[];
  readers: ChildProcess;
  port: number;
  shas: Record<Design, string>;
  seconds: number;
}

async function phase(b: Bench, send: Send, rooms: number, kind: 'fixed' | 'max'): Promise<Phase> {
  await ask(b.readers, { type: 'reset' }, 'ok');
  const cpu0 = await redisCpu(b.ctl);
  const t0 = nowUs();
  const sent =
    kind === 'fixed'
      ? await paced(b.pubs, send, rooms, RATE, b.seconds)
      : await flat(b.pubs, send, rooms, b.seconds);
  const published = (nowUs() - t0) / 1e6;
  const r = await ask(b.readers, { type: 'expect', count: sent }, 'report');
  const cpu1 = await redisCpu(b.ctl);
  const delivering = (Math.max(r.lastUs, t0 + 1) - t0) / 1e6;
  return {
    pubRate: sent / published,
    deliveryRate: r.received / READERS / delivering,
    p50: r.p50,
    p99: r.p99,
    lost: sent * READERS - r.received,
    drops: r.drops,
    redisUsPerMsg: ((cpu1 - cpu0) * 1e6) / sent,
    readerUsPerDelivery: r.cpuUs / Math.max(1, r.received),
    repliesPerSec: r.replies / READERS / delivering,
    perReply: r.replies ? r.received / r.replies : NaN,
    sent,
  };
}

async function runOnce(b: Bench, design: Design, rooms: number, tag: string): Promise<Run> {
  const p = `{svp:${tag}}`;
  const memory0 = await info(b.ctl, 'memory', 'used_memory');
  await ask(
    b.readers,
    { type: 'setup', design, rooms, prefix: `svp:${tag}`, port: b.port },
    'ready',
  );
  // Each room's sender, listed in its room as a member would be.
  const members = b.ctl.pipeline();
  for (let r = 0; r < rooms; r++) members.hset(`${p}:m:${senderOf(r)}`, 'room', `r${r}`);
  await members.exec();
  const send = sender(design, b.shas[design], p);
  const fixedPhase = await phase(b, send, rooms, 'fixed');
  const maxPhase = await phase(b, send, rooms, 'max');
  const memory = (await info(b.ctl, 'memory', 'used_memory')) - memory0;
  const run: Run = {
    fixed: fixedPhase,
    max: maxPhase,
    memory,
    entries: 0,
    sent: fixedPhase.sent + maxPhase.sent,
  };
  const keys = Array.from({ length: rooms }, (_, r) =>
    design === 'streams' ? streamOf(p, r) : counterOf(p, r),
  );
  if (design === 'streams') {
    const lengths = await b.ctl.pipeline(keys.map((k) => ['xlen', k])).exec();
    run.entries = (lengths ?? []).reduce((n, [, v]) => n + Number(v), 0);
    // The cost of the stream list alone: XREAD over every stream, nothing new to read.
    const args = ['COUNT', String(COUNT), 'STREAMS', ...keys, ...keys.map(() => '$')];
    const calls = Math.max(20, Math.min(2000, Math.floor(200_000 / rooms)));
    const cpu0 = await redisCpu(b.ctl);
    const t0 = nowUs();
    for (let i = 0; i < calls; i++) await b.ctl.call('XREAD', args);
    run.emptyReadUs = (nowUs() - t0) / calls;
    run.emptyReadRedisUs = (((await redisCpu(b.ctl)) - cpu0) * 1e6) / calls;
    // What a node does after a reconnect: XREAD from the last ids it had (here, from the start),
    // up to COUNT entries of every room in one call.
    const from = ['COUNT', String(COUNT), 'STREAMS', ...keys, ...keys.map(() => '0-0')];
    const t1 = nowUs();
    const replay = ((await b.ctl.call('XREAD', from)) ?? []) as [string, unknown[]][];
    run.replayMs = (nowUs() - t1) / 1000;
    run.replayed = replay.reduce((n, [, entries]) => n + entries.length, 0);
  }
  await ask(b.readers, { type: 'teardown' }, 'done');
  for (let i = 0; i < keys.length; i += 500) await b.ctl.del(...keys.slice(i, i + 500));
  return run;
}

function machine(redisVersion: string): string[] {
  let model = 'unknown';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // Not Linux.
  }
  return [
    `machine: ${os.availableParallelism()} CPUs (${model}), Node ${process.version}, Redis ${redisVersion}, ${os.platform()} ${os.release()}`,
  ];
}

function tables(results: Map<string, Run[]>, rooms: number[]): string[] {
  const designs: Design[] = ['pubsub', 'streams'];
  const name = { pubsub: 'A pub/sub + INCR', streams: 'B streams XADD/XREAD' };
  const out: string[] = [];
  const of = (r: number, d: Design) => results.get(`${d}/${r}`) ?? [];
  const col = (runs: Run[], pick: (x: Run) => number, f: (v: number) => string) =>
    runs.length ? spread(runs.map(pick), f) : '-';
  const sum = (runs: Run[], pick: (x: Run) => number) => runs.reduce((n, x) => n + pick(x), 0);
  out.push(
    '',
    `| rooms | design | publish msgs/s (max) | deliveries/s per reader (max) | p50 / p99 ms at ${thousands(RATE)}/s | p50 / p99 ms at max | lost (connections dropped) |`,
    '|---|---|---|---|---|---|---|',
  );
  for (const r of rooms) {
    for (const d of designs) {
      const runs = of(r, d);
      out.push(
        `| ${r} | ${name[d]} | ${col(runs, (x) => x.max.pubRate, thousands)} | ${col(runs, (x) => x.max.deliveryRate, thousands)} | ${col(runs, (x) => x.fixed.p50, fixed(2))} / ${col(runs, (x) => x.fixed.p99, fixed(2))} | ${col(runs, (x) => x.max.p50, fixed(1))} / ${col(runs, (x) => x.max.p99, fixed(1))} | ${sum(runs, (x) => x.fixed.lost + x.max.lost)} (${sum(runs, (x) => x.fixed.drops + x.max.drops)}) |`,
      );
    }
  }
  out.push(
    '',
    `| rooms | design | Redis CPU µs/msg at ${thousands(RATE)}/s | Redis CPU µs/msg at max | readers' CPU µs/delivery at ${thousands(RATE)}/s / max | XREAD replies/s per reader, deliveries per reply (${thousands(RATE)}/s; max) | used_memory Δ after N msgs (entries held) |`,
    '|---|---|---|---|---|---|---|',
  );
  const mb = (v: number) => (v / 1048576).toFixed(1);
  for (const r of rooms) {
    for (const d of designs) {
      const runs = of(r, d);
      const reads =
        d === 'streams'
          ? `${col(runs, (x) => x.fixed.repliesPerSec, thousands)}, ${col(runs, (x) => x.fixed.perReply, fixed(1))}; ${col(runs, (x) => x.max.repliesPerSec, thousands)}, ${col(runs, (x) => x.max.perReply, fixed(1))}`
          : '-';
      const n = runs.length ? thousands(median(runs.map((x) => x.sent))) : '-';
      const held =
        d === 'streams' && runs.length ? ` (${thousands(median(runs.map((x) => x.entries)))})` : '';
      out.push(
        `| ${r} | ${name[d]} | ${col(runs, (x) => x.fixed.redisUsPerMsg, fixed(1))} | ${col(runs, (x) => x.max.redisUsPerMsg, fixed(1))} | ${col(runs, (x) => x.fixed.readerUsPerDelivery, fixed(1))} / ${col(runs, (x) => x.max.readerUsPerDelivery, fixed(1))} | ${reads} | ${col(runs, (x) => x.memory, mb)} MB after ${n}${held} |`,
      );
    }
  }
  out.push(
    '',
    `| rooms | XREAD over every stream, nothing new: round trip µs | its Redis CPU µs | catching up: one XREAD COUNT ${COUNT} from 0-0 over every stream, ms (entries) | used_memory B per entry held | projected at the cap (rooms × ${MAXLEN} entries) |`,
    '|---|---|---|---|---|---|',
  );
  const perEntry = (x: Run) => x.memory / Math.max(1, x.entries);
  for (const r of rooms) {
    const runs = of(r, 'streams');
    out.push(
      `| ${r} | ${col(runs, (x) => x.emptyReadUs ?? NaN, fixed(0))} | ${col(runs, (x) => x.emptyReadRedisUs ?? NaN, fixed(0))} | ${col(runs, (x) => x.replayMs ?? NaN, fixed(1))} (${thousands(median(runs.map((x) => x.replayed ?? 0)))}) | ${col(runs, perEntry, fixed(0))} | ${runs.length ? mb(r * MAXLEN * median(runs.map(perEntry))) : '-'} MB |`,
    );
  }
  out.push(
    '',
    'Each cell: median (min-max) over the rounds. "lost": deliveries expected but not received, all rounds and',
    'readers (streams: entries that MAXLEN trimmed before a lagging reader got to them; pub/sub: a subscriber dropped).',
  );
  return out;
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const watchdog = setTimeout(() => {
    console.error('streams-vs-pubsub: the run took too long; stopping');
    process.exit(2);
  }, WATCHDOG_MS);
  watchdog.unref();
  const port = o.redisPort ?? (await freePort());
  const server = o.redisPort === undefined ? await startRedis(port) : undefined;
  const readers = fork(fileURLToPath(import.meta.url), ['--reader'], { stdio: 'inherit' });
  const ctl = connect(port, { connectionName: 'svp:ctl' });
  const pubs = Array.from({ length: PUBLISHERS }, (_, i) =>
    connect(port, { connectionName: `svp:pub:${i}`, enableAutoPipelining: true }),
  );
  try {
    const shas = {
      pubsub: String(await ctl.script('LOAD', BUS_SCRIPTS.publishRoom)),
      streams: String(await ctl.script('LOAD', XADD_SCRIPT)),
    };
    const b: Bench = { ctl, pubs, readers, port, shas, seconds: o.seconds };
    const version = /redis_version:(\S+)/.exec(await ctl.info('server'))?.[1] ?? '?';
    const log = (l: string) => console.error(l);
    log(machine(version).join('\n'));
    if (o.redisPort !== undefined)
      log(`note: Redis on port ${o.redisPort} is shared; its CPU and memory count other load too`);
    // A short warm-up of both (JIT, connections, allocator); not counted.
    for (const d of ['pubsub', 'streams'] as const) {
      await runOnce({ ...b, seconds: Math.min(1, o.seconds) }, d, 10, `warm:${d}`);
    }
    const results = new Map<string, Run[]>();
    for (const rooms of o.rooms) {
      for (let round = 0; round < o.rounds; round++) {
        // Taking turns, each first every other round.
        const order: Design[] = round % 2 ? ['streams', 'pubsub'] : ['pubsub', 'streams'];
        for (const d of order) {
          const run = await runOnce(b, d, rooms, `${d}:${rooms}:${round}`);
          const key = `${d}/${rooms}`;
          results.set(key, [...(results.get(key) ?? []), run]);
          log(
            `${rooms} rooms, ${d}, round ${round + 1}: max ${thousands(run.max.pubRate)} msgs/s, ` +
              `p99 ${run.fixed.p99.toFixed(2)} ms at ${RATE}/s, ${run.max.p99.toFixed(1)} ms at max, ` +
              `Redis ${run.fixed.redisUsPerMsg.toFixed(1)} / ${run.max.redisUsPerMsg.toFixed(1)} µs/msg, ` +
              `lost ${run.fixed.lost + run.max.lost}`,
          );
        }
      }
    }
    const header = [
      `# streams vs pub/sub: ${o.seconds} s per phase, ${o.rounds} rounds, ${PUBLISHERS} publishers (${WINDOW} in flight each at max), ` +
        `${READERS} readers on every room, ${FRAME_BYTES}-byte frames, MAXLEN ~ ${MAXLEN}, XREAD COUNT ${COUNT}`,
      ...machine(version),
    ];
    console.log([...header, ...tables(results, o.rooms)].join('\n'));
  } finally {
    readers.disconnect();
    ctl.disconnect();
    for (const pub of pubs) pub.disconnect();
    if (server) await stop(server);
  }
}

if (process.argv.includes('--reader')) {
  readerProcess();
} else {
  main().catch((err: Error) => {
    console.error(`streams-vs-pubsub: ${err.stack ?? err.message}`);
    process.exit(1);
  });
}
