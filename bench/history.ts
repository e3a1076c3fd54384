/**
 * The history store on its own (issue 15's targets): how fast chats are appended, how fast a
 * HISTORY page of 50 is read from a room of a million stored chats, how long a restart takes
 * to be ready with a million stored, and how many bytes a chat takes on disk.
 *
 *   1. Appends: N chats of 64 bytes into one room, in turns of 100 (one transaction each, as a
 *      busy server's turns), each turn waited on until durable: chats/s, and the time of a turn
 *      from its first append to its commit (p50/p99/max: checkpoints show in the tail). Then
 *      100,000 chats with a cid each (random UUIDs, then cids that start with the time), and
 *      100,000 spread over 1,000 rooms (new, then again once they exist). The in-memory
 *      store's rate for comparison.
 *   2. Bytes per chat: the database file after a clean close, divided by the chats in it.
 *   3. Pages of 50 from the room of N chats: the newest, `before` a random seq (deep in the
 *      room) and `after` a random seq (a resume); p50/p99/max of each call.
 *   4. Ready to serve: open the database and read the newest page, after a clean close and
 *      after the process writing it was killed with SIGKILL mid-stream (the WAL replayed).
 *   5. Retention catching up with a limit lowered to half the room: each sweep step's time on
 *      the event loop, and the time until the backlog is gone.
 *
 * Everything runs in a directory under the system's temporary one, removed at the end. The
 * files are in the operating system's cache when opened (a warm restart).
 *
 *   node dist/bench/history.js [--messages N] [--pages N] [--opens N]
 *   (also run by `npm run bench:history`)
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { MemoryHistory } from '../src/backends/memory-history.js';
import type { HistoryStore, HistoryTimers } from '../src/backends/history.js';
import { SqliteHistory, type SqliteHistoryOptions } from '../src/history/sqlite-history.js';
import { HISTORY_FILE } from '../src/history/sqlite-schema.js';
import { fixed, median, thousands } from './figures.js';

const ROOM = 'bench';
const TURN = 100;
/** 64 bytes of text, the size of the chats `npm run bench` sends. */
const MSG = 'x'.repeat(54);
const msgOf = (i: number) => `${MSG}${String(i).padStart(10, '0')}`;

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    pages: { type: 'string', default: '10000' },
    opens: { type: 'string', default: '5' },
    writer: { type: 'string' },
  },
});

/** Keeps everything: retention is not what is measured here. */
const keepAll = (dataDir: string): SqliteHistoryOptions => ({
  dataDir,
  maxPerRoom: 100_000_000,
  maxAgeMs: Infinity,
});

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const immediate = () => new Promise((resolve) => setImmediate(resolve));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

const timing = (values: number[]) =>
  `${fixed(3)(percentile(values, 50))} / ${fixed(3)(percentile(values, 99))} / ` +
  `${fixed(3)(Math.max(...values))}`;

interface AppendRun {
  perSecond: number;
  turns: number[];
}

/** Appends `count` chats in turns of {@link TURN}, each awaited until durable. */
async function appendRun(
  store: HistoryStore,
  count: number,
  chat: (i: number) => { room: string; cid?: string },
): Promise<AppendRun> {
  const turns: number[] = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i < count;) {
    const turnStart = process.hrtime.bigint();
    let durable: Promise<void> | undefined;
    for (const end = Math.min(count, i + TURN); i < end; i++) {
      const { room, cid } = chat(i);
      const ts = Date.now();
      const appended = store.append(
        room,
        cid
          ? { from: 'user0042', msg: msgOf(i), ts, cid }
          : {
              from: 'user0042',
              msg: msgOf(i),
              ts,
            },
      );
      durable = appended.durable;
    }
    await durable;
    turns.push(ms(turnStart));
  }
  return { perSecond: count / (ms(start) / 1000), turns };
}

/** The writer a restart after SIGKILL is measured on: appends to the big room until killed. */
async function writer(dataDir: string): Promise<void> {
  const store = SqliteHistory.open(keepAll(dataDir));
  for (let turn = 0; ; turn++) {
    const run = await appendRun(store, TURN, () => ({ room: ROOM }));
    if (turn % 10 === 0) process.stdout.write(`durable ${run.turns.length}\n`);
  }
}

/** Opens the database and reads the newest page: ready to serve. */
function openReady(dataDir: string): { ms: number; store: SqliteHistory } {
  const start = process.hrtime.bigint();
  const store = SqliteHistory.open(keepAll(dataDir));
  store.page(ROOM, { limit: 50 });
  return { ms: ms(start), store };
}

/** Runs the writer until it has written a while, then kills it with SIGKILL. */
async function killWriter(dataDir: string): Promise<void> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--writer', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let reports = 0;
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      reports += chunk.split('\n').length - 1;
      // 50 reports of 10 turns: 50,000 chats, enough for the WAL to hold uncheckpointed pages.
      if (reports >= 50) resolve();
    });
    child.on('exit', () => reject(new Error('the writer exited on its own')));
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function main(): Promise<void> {
  const messages = Number(values.messages);
  const pages = Number(values.pages);
  const opens = Number(values.opens);
  const dir = mkdtempSync(join(os.tmpdir(), 'natter-history-bench-'));
  try {
    console.log(
      `# History store: ${thousands(messages)} chats of 64 bytes; ${os.cpus().length} cores ` +
        `(${os.cpus()[0]?.model}), Node ${process.version}, ${new Date().toISOString()}\n`,
    );

    const big = join(dir, 'big');
    let store = SqliteHistory.open(keepAll(big));
    const fill = await appendRun(store, messages, () => ({ room: ROOM }));
    await store.close();
    const file = join(big, HISTORY_FILE);
    const bytes = statSync(file).size;

    // A cid as a client may make it: a random UUID, which lands anywhere in the cid index, or
    // one that starts with the time (like a ULID), which lands at its end.
    const cidRun = async (name: string, cid: (i: number) => string) => {
      const store = SqliteHistory.open(keepAll(join(dir, name)));
      const run = await appendRun(store, 100_000, (i) => ({ room: ROOM, cid: cid(i) }));
      await store.close();
      return { run, bytes: statSync(join(dir, name, HISTORY_FILE)).size };
    };
    const uuid = await cidRun('uuid', () => randomUUID());
    const timed = await cidRun(
      'timed',
      (i) =>
        `${Date.now().toString(36)}${i.toString(36).padStart(4, '0')}${randomUUID().slice(0, 8)}`,
    );
    const other = SqliteHistory.open(keepAll(join(dir, 'rooms')));
    const newRooms = await appendRun(other, 100_000, (i) => ({ room: `room-${i % 1000}` }));
    const rooms = await appendRun(other, 100_000, (i) => ({ room: `room-${i % 1000}` }));
    await other.close();
    const memory = new MemoryHistory({ maxPerRoom: messages, maxAgeMs: Infinity });
    const inMemory = await appendRun(memory, messages, () => ({ room: ROOM }));
    await memory.close();

    console.log(
      '| appends, turns of 100, each awaited durable | chats/s | turn ms p50 / p99 / max |',
    );
    console.log('|---|---|---|');
    const row = (what: string, run: AppendRun) =>
      console.log(`| ${what} | ${thousands(run.perSecond)} | ${timing(run.turns)} |`);
    row(`SQLite, one room, ${thousands(messages)} chats`, fill);
    row('SQLite, one room, 100,000 chats with a cid (a random UUID)', uuid.run);
    row('SQLite, one room, 100,000 chats with a cid that starts with the time', timed.run);
    row('SQLite, 1,000 new rooms, 100,000 chats', newRooms);
    row('SQLite, the same 1,000 rooms, 100,000 more', rooms);
    row(`memory, one room, ${thousands(messages)} chats`, inMemory);
    console.log(
      `\nOn disk: ${thousands(bytes)} bytes for ${thousands(messages)} chats, ` +
        `${fixed(1)(bytes / messages)} bytes per chat (64-byte text, 8-byte nickname); ` +
        `while a chat's cid is remembered, ${fixed(1)(uuid.bytes / 100_000)} bytes per chat ` +
        `with a UUID, ${fixed(1)(timed.bytes / 100_000)} with a 20-character time-first cid.\n`,
    );

    await immediate();
    const ready = openReady(big);
    store = ready.store;
    const timings = { newest: [] as number[], before: [] as number[], after: [] as number[] };
    const random = () => 1 + Math.floor(Math.random() * messages);
    for (let i = 0; i < pages; i++) {
      let start = process.hrtime.bigint();
      store.page(ROOM, { limit: 50 });
      timings.newest.push(ms(start));
      const before = random();
      start = process.hrtime.bigint();
      store.page(ROOM, { before, limit: 50 });
      timings.before.push(ms(start));
      const after = random();
      start = process.hrtime.bigint();
      store.page(ROOM, { after, limit: 50 });
      timings.after.push(ms(start));
    }
    await store.close();
    console.log(
      `| page of 50, ${thousands(pages)} each, room of ${thousands(messages)} | ms p50 / p99 / max |`,
    );
    console.log('|---|---|');
    console.log(`| newest | ${timing(timings.newest)} |`);
    console.log(`| before a random seq | ${timing(timings.before)} |`);
    console.log(`| after a random seq | ${timing(timings.after)} |`);

    let total = messages;
    const clean: number[] = [];
    for (let i = 0; i < opens; i++) {
      const run = openReady(big);
      clean.push(run.ms);
      await run.store.close();
    }
    const killed: number[] = [];
    const wal: number[] = [];
    for (let i = 0; i < opens; i++) {
      await killWriter(big);
      wal.push(statSync(`${file}-wal`).size);
      const run = openReady(big);
      killed.push(run.ms);
      total = run.store.lastSeq(ROOM);
      await run.store.close();
    }
    console.log(
      `\nReady to serve (open, then the newest page), ${opens} times each: after a clean close ` +
        `${fixed(1)(median(clean))} ms (max ${fixed(1)(Math.max(...clean))}); after SIGKILL of ` +
        `a writer mid-stream ${fixed(1)(median(killed))} ms (max ${fixed(1)(Math.max(...killed))}; ` +
        `WAL left by the kill ${fixed(1)(median(wal) / 1e6)} MB, max ${fixed(1)(Math.max(...wal) / 1e6)}). ` +
        `The room then held ${thousands(total)} chats.`,
    );

    // Retention catching up with a limit lowered to half the room: how long each step of the
    // sweep holds the event loop, and how long the whole backlog takes.
    const steps: number[] = [];
    const sweepTimers: HistoryTimers = {
      setTimeout: (callback, delay) =>
        setTimeout(() => {
          const start = process.hrtime.bigint();
          callback();
          steps.push(ms(start));
        }, delay),
      clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
    };
    const limit = Math.floor(total / 2);
    const trimming = SqliteHistory.open({
      ...keepAll(big),
      maxPerRoom: limit,
      timers: sweepTimers,
    });
    const trimStart = process.hrtime.bigint();
    const target = trimming.lastSeq(ROOM) - limit;
    while (trimming.page(ROOM, { after: 0, limit: 1 }).messages[0]!.seq <= target) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const trimMs = ms(trimStart);
    await trimming.close();
    console.log(
      `\nRetention catching up: ${thousands(total - limit)} chats over a lowered limit removed ` +
        `in ${fixed(1)(trimMs / 1000)} s, in ${thousands(steps.length)} sweep steps of at most ` +
        `1,000 rows; each step held the event loop ${timing(steps)} ms (p50 / p99 / max).`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.writer) await writer(values.writer);
else await main();
