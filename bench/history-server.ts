/**
 * History through `natter serve`, over the wire (issue 15's targets, end to end; the store alone
 * is bench/history.ts):
 *
 *   1. Prefill: a data directory whose room `lobby` holds N chats (default 1,000,000) of 64
 *      bytes, written by opening the server's own store (`SqliteHistory`) directly and
 *      appending in turns of 10,000, each committed; bytes per chat on disk after a clean close.
 *   2. HISTORY latency: `natter serve` on that directory, and one client (with the history
 *      capability) that sends HISTORY `14` one at a time, each when the previous `140` has
 *      arrived whole: `before` a random seq (scrolling back, the target's case), the newest
 *      page, and `after` a random seq (a resume), limit 50, interleaved; p50 / p99 / max from
 *      the request's write to the answer's last byte. Every answer is checked (50 chats, the
 *      right seqs) after its time is taken.
 *   3. Restart: the time from spawning `natter serve` on the directory to its first HISTORY
 *      answered (the client connects once the server says it listens, joins and asks for the
 *      newest page), after a clean stop (SIGTERM), and after kill -9 of a server that a client
 *      was chatting to (pipelined chats with ids, so the WAL holds what the last checkpoint did
 *      not take); then every chat acknowledged (`71`) before the kill must be in the room.
 *      For comparison, the same with an empty data directory and with --no-history: the part
 *      that is Node and the server starting.
 *   4. With --redis URL, a cluster's history: a room of N chats written straight into its
 *      stream in Redis (as the cluster's script keeps them: `XADD {prefix}:h:lobby <seq>-0 f
 *      <from> m <msg> t <ts>`, its counter set), `MEMORY USAGE` of the stream over its entries,
 *      and the HISTORY latency of 2. through a `natter serve --redis` node. The run's keys are
 *      removed afterwards (a prefix of its own).
 *
 * The server is pinned to CPU 0 and this process (the client) to CPU 1 with taskset, when there
 * is one. The servers keep every chat (--history-max-per-room 1000000000 --history-max-age 0:
 * by default a room keeps its last 100,000, and a room of a million would be trimmed to that).
 * Everything runs in a directory under the system's temporary one, removed at the end; the
 * files are in the operating system's cache when a server opens them (a warm restart).
 *
 *   node dist/bench/history-server.js [--messages N] [--requests N] [--restarts N] [--redis URL]
 *   (also run by `npm run bench:history-server`)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { SqliteHistory } from '../src/history/sqlite-history.js';
import { HISTORY_FILE } from '../src/history/sqlite-schema.js';
import { nameKey } from '../src/protocol/names.js';
import { fixed, median, thousands } from './figures.js';
import { CURRENT, freePort, hasTaskset } from './processes.js';

const ROOM = 'lobby';
const PAGE = 50;
/** 64 bytes of text, as `npm run bench` sends, from an 8-character nickname. */
const msgOf = (i: number) => `${'x'.repeat(54)}${String(i).padStart(10, '0')}`;
const FROM = 'user0042';
/** The server keeps everything: retention is not what is measured. */
const KEEP_ALL = ['--history-max-per-room', '1000000000', '--history-max-age', '0'];

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    requests: { type: 'string', default: '10000' },
    restarts: { type: 'string', default: '5' },
    redis: { type: 'string' },
  },
});

const elapsedMs = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/** `p50 / p99 / max` in ms. */
function timing(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)! };
}

/** Writes N chats into the room of a new store under `dataDir`; chats per second. */
async function prefill(dataDir: string, messages: number): Promise<number> {
  const store = SqliteHistory.open({
    dataDir,
    maxPerRoom: 1_000_000_000,
    maxAgeMs: Infinity,
    seqBlock: 100_000,
  });
  const key = nameKey(ROOM);
  const start = process.hrtime.bigint();
  for (let i = 0; i < messages;) {
    let durable: Promise<void> | undefined;
    const ts = Date.now();
    for (const end = Math.min(messages, i + 10_000); i < end; i++)
      durable = store.append(key, { from: FROM, msg: msgOf(i + 1), ts }).durable;
    await durable;
  }
  const seconds = elapsedMs(start) / 1000;
  if (store.lastSeq(key) !== messages) throw new Error('the prefill did not number 1..N');
  await store.close();
  return messages / seconds;
}

/** Servers started and not yet stopped: stopped at the end whatever happened. */
const running = new Set<ChildProcess>();

/** `natter serve` on a free port, pinned to CPU 0; resolves once it says it listens. */
async function serve(
  dataDir: string,
  extra: string[] = KEEP_ALL,
): Promise<{ child: ChildProcess; port: number; spawnedAt: bigint; listeningMs: number }> {
  const port = await freePort();
  const command = [
    process.execPath,
    CURRENT.natter,
    'serve',
    ...['--host', '127.0.0.1', '--port', String(port), '--no-http', '--log-level', 'info'],
    ...['--data-dir', dataDir],
    ...extra,
  ];
  const argv = hasTaskset ? ['taskset', '-c', '0', ...command] : command;
  const spawnedAt = process.hrtime.bigint();
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const listeningMs = await new Promise<number>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/listening on/.test(output)) resolve(elapsedMs(spawnedAt));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${output}`)));
  });
  child.stdout!.removeAllListeners('data').resume();
  child.stderr!.removeAllListeners('data').resume();
  return { child, port, spawnedAt, listeningMs };
}

async function stopServer(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** A client of the server, reading its messages line by line. */
class LineClient {
  private readonly socket: net.Socket;
  private text = '';
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  /** Called with each line as it arrives, when set (instead of queueing it). */
  onLine: ((line: string) => void) | undefined;
  private readonly lines: string[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.text += chunk;
      let nl = this.text.indexOf('\n');
      if (nl < 0) return;
      let from = 0;
      while (nl >= 0) {
        const line = this.text.slice(from, nl);
        if (this.onLine) this.onLine(line);
        else this.lines.push(line);
        from = nl + 1;
        nl = this.text.indexOf('\n', from);
      }
      this.text = this.text.slice(from);
      this.waiter?.();
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      this.waiter?.();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the connection closed')));
  }

  /** Connects and joins with the history capability (granted, unless `granted` is false). */
  static async join(port: number, nickname: string, granted = true): Promise<LineClient> {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new LineClient(socket);
    client.send({ cmd: '0', nickname, caps: ['history'] });
    const welcome = JSON.parse(await client.next()) as { cmd: string; caps?: string[] };
    if (welcome.cmd !== '03' || (granted && !welcome.caps?.includes('history')))
      throw new Error(`not joined with history: ${JSON.stringify(welcome)}`);
    return client;
  }

  send(message: object): void {
    this.socket.write(JSON.stringify(message) + '\n');
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** The next line. */
  async next(): Promise<string> {
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) return line;
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

interface Page {
  cmd: string;
  id: number;
  messages: { seq: number; from: string; msg: string }[];
  more: boolean;
}

/** Checks an answer to HISTORY: the chats from `first` to `last`, as the prefill wrote them. */
function checkPage(page: Page, id: number, first: number, last: number, messages: number): void {
  const seqs = page.messages.map((m) => m.seq);
  const want = Array.from({ length: Math.max(0, last - first + 1) }, (_, k) => first + k);
  if (page.cmd !== '140' || page.id !== id || seqs.join() !== want.join())
    throw new Error(`a wrong page: ${JSON.stringify(page).slice(0, 300)}`);
  for (const m of page.messages)
    if (m.seq <= messages && (m.from !== FROM || m.msg !== msgOf(m.seq)))
      throw new Error(`a wrong chat in a page: ${JSON.stringify(m)}`);
}

type Kind = 'before' | 'newest' | 'after';

/** HISTORY requests one at a time; each kind's times in ms. */
async function historyLatency(
  port: number,
  messages: number,
  requests: number,
): Promise<Record<Kind, number[]>> {
  const client = await LineClient.join(port, 'reader01');
  const times: Record<Kind, number[]> = { before: [], newest: [], after: [] };
  const warmup = Math.min(1000, Math.floor(requests / 10));
  const kinds: Kind[] = ['before', 'newest', 'after'];
  for (let i = 0; i < warmup + requests; i++) {
    for (const kind of kinds) {
      const id = i * 3 + kinds.indexOf(kind) + 1;
      // `before` from 2: a page that is not empty; `after` up to N - 50: a whole page.
      const seq =
        kind === 'before'
          ? 2 + Math.floor(Math.random() * (messages - 1))
          : Math.floor(Math.random() * (messages - PAGE));
      const request =
        kind === 'newest'
          ? `{"cmd":"14","limit":${PAGE},"id":${id}}\n`
          : `{"cmd":"14","${kind}":${seq},"limit":${PAGE},"id":${id}}\n`;
      const start = process.hrtime.bigint();
      client.write(request);
      const line = await client.next();
      const ms = elapsedMs(start);
      if (i >= warmup) times[kind].push(ms);
      const page = JSON.parse(line) as Page;
      if (kind === 'before') checkPage(page, id, Math.max(1, seq - PAGE), seq - 1, messages);
      else if (kind === 'after') checkPage(page, id, seq + 1, seq + PAGE, messages);
      else checkPage(page, id, messages - PAGE + 1, messages, messages);
    }
  }
  client.close();
  return times;
}

/** From spawning `natter serve` to its first HISTORY answered; the newest page's last seq. */
async function readyToServe(
  dataDir: string,
  extra?: string[],
): Promise<{ ms: number; listeningMs: number; lastSeq: number; child: ChildProcess }> {
  const { child, port, spawnedAt, listeningMs } = await serve(dataDir, extra);
  // With --no-history the answer is HISTORY_UNAVAILABLE: an answer all the same.
  const client = await LineClient.join(port, 'restart1', !extra?.includes('--no-history'));
  client.send({ cmd: '14', limit: PAGE, id: 1 });
  const answer = JSON.parse(await client.next()) as Page & { code?: string };
  const ms = elapsedMs(spawnedAt);
  client.close();
  const lastSeq = answer.messages?.at(-1)?.seq ?? 0;
  return { ms, listeningMs, lastSeq, child };
}

/**
 * Chats to the server until `ms` have passed, with ids, up to 1,000 unacknowledged; then
 * kills it with SIGKILL. Returns the highest seq acknowledged (`71`) before the kill.
 */
async function chatThenKill(child: ChildProcess, port: number, ms: number): Promise<number> {
  const client = await LineClient.join(port, 'writer01');
  let acked = 0;
  let sent = 0;
  let answered = 0;
  const batch = (n: number) => {
    let text = '';
    for (let k = 0; k < n; k++)
      text += `{"cmd":"7","msg":"${msgOf(1_000_000_000 + ++sent)}","id":${sent}}\n`;
    client.write(text);
  };
  client.onLine = (line) => {
    const seq = /"cmd":"71","seq":(\d+)/.exec(line);
    if (!seq) return;
    acked = Math.max(acked, Number(seq[1]));
    if (++answered % 100 === 0 && sent - answered < 1000) batch(100);
  };
  batch(1000);
  await new Promise((resolve) => setTimeout(resolve, ms));
  // What was acknowledged when the kill was sent: the server may still answer before it dies.
  const before = acked;
  await stopServer(child, 'SIGKILL');
  client.close();
  return before;
}

function latencyTable(where: string, requests: number, times: Record<Kind, number[]>): void {
  console.log(
    `| HISTORY, limit ${PAGE}, ${thousands(requests)} of each, one at a time, ${where} | ms p50 | p99 | max |`,
  );
  console.log('|---|---|---|---|');
  for (const kind of ['before', 'newest', 'after'] as const) {
    const t = timing(times[kind]);
    const what =
      kind === 'before'
        ? '`before` a random seq'
        : kind === 'after'
          ? '`after` a random seq'
          : 'newest (no before or after)';
    console.log(`| ${what} | ${fixed(3)(t.p50)} | ${fixed(3)(t.p99)} | ${fixed(3)(t.max)} |`);
  }
}

/**
 * A cluster's history of N chats in Redis: the stream written directly, its memory, and HISTORY
 * through a node on it. Removes the run's keys at the end.
 */
async function redisHistory(url: string, messages: number, requests: number): Promise<void> {
  const prefix = `histbench${Date.now().toString(36)}`;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const stream = `{${prefix}}:h:${nameKey(ROOM)}`;
  const counter = `{${prefix}}:hs:${nameKey(ROOM)}`;
  try {
    const start = process.hrtime.bigint();
    const ts = String(Date.now());
    for (let i = 0; i < messages;) {
      const pipeline = redis.pipeline();
      for (const end = Math.min(messages, i + 10_000); i < end; i++)
        pipeline.xadd(stream, `${i + 1}-0`, 'f', FROM, 'm', msgOf(i + 1), 't', ts);
      const replies = (await pipeline.exec()) ?? [];
      const failed = replies.find(([err]) => err);
      if (failed) throw failed[0]!;
    }
    await redis.set(counter, String(messages));
    const rate = messages / (elapsedMs(start) / 1000);
    const bytes = Number(await redis.call('MEMORY', 'USAGE', stream, 'SAMPLES', '0'));
    const entries = await redis.xlen(stream);
    console.log(
      `\nRedis: ${thousands(entries)} chats written into the room's stream at ${thousands(rate)} ` +
        `chats/s (pipelined XADD); MEMORY USAGE ${thousands(bytes)} bytes, ` +
        `${fixed(1)(bytes / entries)} bytes per chat.\n`,
    );
    const node = await serve('', [...KEEP_ALL, '--redis', url, '--redis-prefix', prefix]);
    try {
      process.stderr.write(`HISTORY latency through Redis: ${requests} requests of each kind\n`);
      const times = await historyLatency(node.port, messages, requests);
      latencyTable(`room of ${thousands(messages)} in Redis, one node`, requests, times);
    } finally {
      await stopServer(node.child);
    }
  } finally {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    if (keys.length > 0) await redis.unlink(...keys);
    redis.disconnect();
  }
}

function pinSelf(): void {
  if (!hasTaskset) return;
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
}

async function main(): Promise<void> {
  const messages = Number(values.messages);
  const requests = Number(values.requests);
  const restarts = Number(values.restarts);
  if (messages < 2 * PAGE) throw new Error(`--messages must be at least ${2 * PAGE}`);
  pinSelf();
  const dir = mkdtempSync(join(os.tmpdir(), 'natter-history-server-bench-'));
  const log = (line: string) => process.stderr.write(line + '\n');
  try {
    console.log(
      `# History through natter serve: a room of ${thousands(messages)} chats of 64 bytes; ` +
        `${os.cpus().length} cores (${os.cpus()[0]?.model}), Node ${process.version}, ` +
        (hasTaskset ? 'server on CPU 0, client on CPU 1 (taskset)' : 'unpinned') +
        `, load average ${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(', ')}, ${new Date().toISOString()}\n`,
    );
    const data = join(dir, 'data');
    const rate = await prefill(data, messages);
    const bytes = statSync(join(data, HISTORY_FILE)).size;
    console.log(
      `Prefill: ${thousands(messages)} chats at ${thousands(rate)} chats/s (the store opened ` +
        `directly, turns of 10,000); on disk ${thousands(bytes)} bytes, ` +
        `${fixed(1)(bytes / messages)} bytes per chat.\n`,
    );

    // HISTORY, one request at a time.
    const server = await serve(data);
    log(`HISTORY latency: ${requests} requests of each kind`);
    const times = await historyLatency(server.port, messages, requests);
    await stopServer(server.child);
    latencyTable(`room of ${thousands(messages)} in SQLite`, requests, times);

    // Restarts: clean, after kill -9, and the server alone for comparison.
    const clean: { ms: number; listening: number }[] = [];
    for (let i = 0; i < restarts; i++) {
      const run = await readyToServe(data);
      if (run.lastSeq !== messages)
        throw new Error(`after a restart the room ends at ${run.lastSeq}`);
      clean.push({ ms: run.ms, listening: run.listeningMs });
      await stopServer(run.child);
      log(`clean restart ${i + 1}: ${fixed(1)(run.ms)} ms`);
    }
    const empty: number[] = [];
    const off: number[] = [];
    for (let i = 0; i < restarts; i++) {
      const fresh = join(dir, `empty-${i}`);
      const a = await readyToServe(fresh);
      empty.push(a.ms);
      await stopServer(a.child);
      const b = await readyToServe(join(dir, `off-${i}`), ['--no-history']);
      off.push(b.ms);
      await stopServer(b.child);
    }
    const killed: { ms: number; listening: number; wal: number; acked: number; last: number }[] =
      [];
    for (let i = 0; i < restarts; i++) {
      const writer = await serve(data);
      const acked = await chatThenKill(writer.child, writer.port, 2000);
      const wal = statSync(join(data, `${HISTORY_FILE}-wal`)).size;
      const run = await readyToServe(data);
      await stopServer(run.child);
      if (run.lastSeq < acked)
        throw new Error(
          `chat ${acked} was acknowledged before the kill, the room ends at ${run.lastSeq}`,
        );
      killed.push({ ms: run.ms, listening: run.listeningMs, wal, acked, last: run.lastSeq });
      log(
        `restart after kill -9 ${i + 1}: ${fixed(1)(run.ms)} ms, WAL ${wal} bytes, acked ${acked}, room ends at ${run.lastSeq}`,
      );
    }
    const range = (v: number[]) =>
      `${fixed(0)(median(v))} (${fixed(0)(Math.min(...v))}-${fixed(0)(Math.max(...v))})`;
    console.log(
      `\n| from spawning natter serve to the first HISTORY answered, ${restarts} times each | ms | of which until "listening" |`,
    );
    console.log('|---|---|---|');
    console.log(
      `| a room of ${thousands(messages)}, after a clean stop (SIGTERM) | ${range(clean.map((c) => c.ms))} | ${range(clean.map((c) => c.listening))} |`,
    );
    console.log(
      `| the same after kill -9 while a client chatted (WAL left: ${fixed(1)(median(killed.map((k) => k.wal)) / 1e6)} MB, at most ${fixed(1)(Math.max(...killed.map((k) => k.wal)) / 1e6)}) | ${range(killed.map((k) => k.ms))} | ${range(killed.map((k) => k.listening))} |`,
    );
    console.log(`| an empty data directory | ${range(empty)} | |`);
    console.log(`| --no-history | ${range(off)} | |`);
    const last = killed.at(-1);
    console.log(
      `\nEvery chat acknowledged before a kill was in the room after the restart` +
        (last ? `; the room then held ${thousands(last.last)} seqs.` : '.'),
    );
    if (values.redis) await redisHistory(values.redis, messages, requests);
  } finally {
    for (const child of running) await stopServer(child, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
