/**
 * Soak and chaos run: `npm run soak [-- --duration 120 --seed N]`.
 *
 * Starts `natter serve` as a child process on a free loopback port. Well-behaved clients chat at
 * a steady pace and check that they receive every message of every other well-behaved client, in
 * order. Meanwhile misbehaving clients connect and vanish, flood, stop reading, send garbage,
 * reset their connections and never register. At the end it prints a report: messages sent,
 * delivered and lost, errors by kind, the server's peak and final RSS, and its open descriptors
 * before and after (a leak shows as a difference). Everything is bounded in time and stays on
 * loopback.
 *
 * The misbehaving clients' choices come from a seeded generator. `npm run soak` picks a random
 * seed and prints it first (`soak seed N (replay with --seed N)`) and in the report; `--seed N`
 * replays those choices (the timing of a run still varies). The short soak in `npm test`
 * (test/soak.test.ts) uses a fixed seed.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { hostileFrame, prng, randomChunks, type Random } from './hostile.js';
import { formatReport, type SoakReport } from './soak-report.js';
import { Wire, openFds, rssMiB, startServer } from './soak-wire.js';

export { formatReport, type SoakReport } from './soak-report.js';

export interface SoakOptions {
  durationMs: number;
  goodClients: number;
  /** Chats per second per well-behaved client. */
  goodRate: number;
  seed: number;
  /** Called with progress lines; silent when absent. */
  log?: (line: string) => void;
}

/** Makes well-behaved chats a realistic size, so a deaf client's buffers fill. */
const PADDING = 'p'.repeat(1200);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the soak; resolves with the report. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const { child, port } = await startServer([
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--max-users',
    '2000',
    '--exempt-address',
    '', // flood control and per-address limits apply to everyone here
    '--max-connections-per-ip',
    '64',
    '--registration-timeout-ms',
    '2000',
    '--drain-timeout-ms',
    '3000',
    '--max-queue-bytes',
    String(256 * 1024),
    '--log-level',
    'info',
  ]);
  const pid = child.pid!;
  try {
    await sleep(200);
    const fdsBefore = openFds(pid);
    let rssPeak = rssMiB(pid);
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB(pid))), 250);

    const errors: Record<string, number> = {};
    const count = (key: string) => (errors[key] = (errors[key] ?? 0) + 1);
    const misbehaving: Record<string, number> = {};

    // ---- Well-behaved clients ----
    const names = Array.from({ length: options.goodClients }, (_, i) => `good${i}`);
    const sentBy = names.map(() => 0);
    const nextFrom = names.map(() => names.map(() => 0)); // [receiver][sender] next expected seq
    let outOfOrder = 0;
    let duplicated = 0;
    let delivered = 0;
    const goods: Wire[] = [];
    for (const [n, nickname] of names.entries()) {
      let joined!: () => void;
      const ready = new Promise<void>((resolve) => (joined = resolve));
      const wire = new Wire(port, '127.0.0.2', (m) => {
        if (m.cmd === '03') joined();
        if (m.cmd !== '70') return;
        const match = /^soak:(\d+):(\d+):/.exec(String(m.msg));
        if (!match || !names.includes(String(m.from))) return;
        const [s, seq] = [Number(match[1]), Number(match[2])];
        const expected = nextFrom[n]![s]!;
        if (seq === expected) {
          nextFrom[n]![s] = seq + 1;
          delivered++;
        } else if (seq < expected) duplicated++;
        else {
          outOfOrder++;
          nextFrom[n]![s] = seq + 1;
          delivered++;
        }
      });
      wire.send({ cmd: '0', nickname });
      await ready;
      goods.push(wire);
    }
    log(`${names.length} well-behaved clients joined; chaos for ${options.durationMs / 1000} s`);

    const deadline = Date.now() + options.durationMs;
    const goodLoops = goods.map(async (wire, n) => {
      const interval = 1000 / options.goodRate;
      while (Date.now() < deadline && !wire.closed) {
        wire.send({ cmd: '7', msg: `soak:${n}:${sentBy[n]!}:${PADDING}` });
        sentBy[n]!++;
        await sleep(interval);
      }
    });

    // ---- Misbehaving clients ----
    const rand = prng(options.seed);
    const misbehave = async (
      kind: string,
      act: (w: Wire, r: Random) => Promise<void>,
      fixedSource?: string,
    ) => {
      const r = prng(Math.floor(rand() * 2 ** 32));
      while (Date.now() < deadline) {
        misbehaving[kind] = (misbehaving[kind] ?? 0) + 1;
        const source = fixedSource ?? `127.0.0.${10 + Math.floor(r() * 240)}`;
        const wire = new Wire(port, source, (m) => {
          if (typeof m.error === 'string') count(m.error);
        });
        if (!(await wire.connected())) {
          count('connection refused by the kernel');
          await sleep(50);
          continue;
        }
        await act(wire, r);
        await sleep(5 + r() * 50);
      }
    };
    const join = (w: Wire, r: Random) =>
      w.send({ cmd: '0', nickname: `x${Math.floor(r() * 1e9).toString(36)}` });

    const chaos = [
      // Connects, maybe joins, and vanishes: a FIN or a reset.
      misbehave('vanish', async (w, r) => {
        if (r() < 0.7) join(w, r);
        await sleep(r() * 200);
        if (r() < 0.5) w.socket.resetAndDestroy();
        else w.socket.destroy();
      }),
      // Joins and sends as fast as it can until flood control throws it out.
      misbehave('flood', async (w, r) => {
        join(w, r);
        const until = Date.now() + 3000;
        while (!w.closed && Date.now() < until) {
          for (let i = 0; i < 50; i++) w.send({ cmd: '7', msg: 'flood flood flood' });
          await sleep(1);
        }
        w.socket.destroy();
      }),
      // Joins, then stops reading for a while as the room keeps talking. A paused socket does
      // not notice that the server closed it, so it reads again afterwards to find out.
      misbehave('deaf', async (w, r) => {
        join(w, r);
        await sleep(100);
        w.socket.pause();
        await sleep(Math.min(5000 + r() * 15_000, Math.max(0, deadline - Date.now())));
        w.socket.resume();
        await Promise.race([w.closedPromise(), sleep(2000)]);
        count(w.closed ? 'deaf client cut off' : 'deaf client not cut off (yet)');
        w.socket.destroy();
      }),
      // Throws random and mutated frames.
      misbehave('garbage', async (w, r) => {
        if (r() < 0.5) join(w, r);
        for (let i = 0; i < 30 && !w.closed; i++) {
          for (const chunk of randomChunks(r, hostileFrame(r))) w.send(chunk);
          await sleep(r() * 20);
        }
        w.socket.destroy();
      }),
      // Joins, chats a little, resets mid-conversation.
      misbehave('reset', async (w, r) => {
        join(w, r);
        for (let i = 0; i < 5; i++) w.send({ cmd: '7', msg: `about to reset ${i}` });
        await sleep(r() * 100);
        w.socket.resetAndDestroy();
      }),
      // Connects and says nothing: the registration timeout closes it.
      misbehave('silent', async (w) => {
        await Promise.race([w.closedPromise(), sleep(5000)]);
        if (!w.closed) count('silent client still open after 5 s');
        w.socket.destroy();
      }),
      // Opens connections from one address faster than the per-address rate allows.
      misbehave(
        'connect-storm',
        async (w) => {
          // Long enough to read a refusal, if there is one.
          await Promise.race([w.closedPromise(), sleep(20)]);
          w.socket.destroy();
        },
        '127.0.0.9',
      ),
    ];

    let lastProgress = Date.now();
    const progress = setInterval(() => {
      if (Date.now() - lastProgress < 10_000) return;
      lastProgress = Date.now();
      const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      log(`  ${left} s left: ${delivered} delivered, RSS ${rssMiB(pid).toFixed(1)} MiB`);
    }, 1000);

    await Promise.all([...goodLoops, ...chaos]);
    clearInterval(progress);

    // Let the last messages arrive, then count.
    const expected = () =>
      names.reduce((sum, _, r) => sum + sentBy.reduce((s, n, i) => s + (i === r ? 0 : n), 0), 0);
    const settleUntil = Date.now() + 10_000;
    while (delivered + outOfOrder < expected() && Date.now() < settleUntil) await sleep(50);
    const sent = sentBy.reduce((a, b) => a + b, 0);
    const expectedTotal = expected();

    // Is the server still whole? A fresh client joins and is answered.
    let serverAlive = false;
    const probe = new Wire(port, '127.0.0.3', (m) => {
      if (m.cmd === '40') serverAlive = true;
    });
    probe.send('{"cmd":"0","nickname":"probe"}{"cmd":"4"}');
    const probeUntil = Date.now() + 5000;
    while (!serverAlive && Date.now() < probeUntil) await sleep(20);

    for (const wire of [...goods, probe]) wire.send({ cmd: '3' });
    await Promise.all([...goods, probe].map((w) => Promise.race([w.closedPromise(), sleep(3000)])));
    // Descriptors return to the start once every connection is gone.
    let fdsAfter = openFds(pid);
    const fdUntil = Date.now() + 10_000;
    while (fdsAfter > fdsBefore && Date.now() < fdUntil) {
      await sleep(100);
      fdsAfter = openFds(pid);
    }
    clearInterval(sampler);
    const rssFinal = rssMiB(pid);
    return {
      durationMs: options.durationMs,
      seed: options.seed,
      goodClients: names.length,
      sent,
      delivered,
      lost: expectedTotal - delivered,
      outOfOrder,
      duplicated,
      misbehaving,
      errors,
      rssPeakMiB: Math.round(rssPeak * 10) / 10,
      rssFinalMiB: Math.round(rssFinal * 10) / 10,
      fdsBefore,
      fdsAfter,
      serverAlive,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '120' },
      clients: { type: 'string', default: '20' },
      rate: { type: 'string', default: '15' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const log = (line: string) => process.stderr.write(line + '\n');
  // A random seed unless one is given; said first, so that even a run that dies can be replayed.
  const seed = values.seed === undefined ? Date.now() % 1e9 : Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`--seed must be a whole number of at least 0, got ${values.seed}`);
  log(`soak seed ${seed} (replay with --seed ${seed})`);
  const report = await runSoak({
    durationMs: Number(values.duration) * 1000,
    goodClients: Number(values.clients),
    goodRate: Number(values.rate),
    seed,
    log,
  });
  process.stdout.write(formatReport(report) + '\n');
  if (values.json) process.stdout.write(JSON.stringify(report) + '\n');
  const ok =
    report.lost === 0 &&
    report.outOfOrder === 0 &&
    report.fdsAfter <= report.fdsBefore &&
    report.serverAlive;
  process.exitCode = ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    process.stderr.write(`soak: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
