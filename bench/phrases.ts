/**
 * The banned-phrase filter's cost, end to end (issue: 1,000 phrases must cost at most 10% of chat
 * throughput compared with one phrase): `natter serve` with no banned phrase (`--banned-phrase
 * ""`), with the seed's one, and with 1,000 (a `--banned-words-file` of two-word phrases that
 * the benchmark's chats do not contain, so that every chat is scanned to its end and delivered),
 * taking turns run by run, each driven by `natter bench` as `npm run bench` drives Natter. It
 * reports deliveries/s and the server's CPU time per delivery (the generator may be the limit:
 * then the CPU says what the filter costs), medians of the runs, and the ratios to one phrase.
 *
 *   node dist/bench/phrases.js [--runs 5] [--scenarios S2,S3m] [--phrases 1000]
 *   (also run by `npm run bench:phrases`)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fixed, median, spread, thousands } from './figures.js';
import { benchOnce, freePort, startServer, stop } from './processes.js';
import { GENERATOR, SCENARIOS } from './scenarios.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    scenarios: { type: 'string', default: 'S2,S3m' },
    phrases: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
  },
});

/**
 * `count` distinct two-word phrases of lower-case letters without `x` (the benchmark's chats are
 * digits, `~`, `:` and `x`s, so none of them matches and every chat is delivered).
 */
function phraseList(count: number): string[] {
  const letters = 'abcdefghijklmnopqrstuvwyz';
  // mulberry32: a small seeded generator, so that every run bans the same list.
  let seed = 7;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const word = () =>
    Array.from(
      { length: 4 + Math.floor(random() * 6) },
      () => letters[Math.floor(random() * 25)],
    ).join('');
  const phrases = new Set<string>();
  while (phrases.size < count) phrases.add(`${word()} ${word()}`);
  return [...phrases];
}

interface Mode {
  readonly label: string;
  readonly args: string[];
}

async function main(): Promise<void> {
  const runs = Number(values.runs);
  const count = Number(values.phrases);
  const dir = mkdtempSync(join(tmpdir(), 'natter-phrases-'));
  const file = join(dir, 'banned.txt');
  writeFileSync(file, phraseList(count).join('\n') + '\n');
  const modes: Mode[] = [
    { label: 'no banned phrase', args: ['--banned-phrase', ''] },
    { label: 'one phrase (the seed’s)', args: [] },
    { label: `${thousands(count)} phrases`, args: ['--banned-words-file', file] },
  ];
  const wanted = new Set(values.scenarios!.split(','));
  const out = [
    `| scenario | server | deliveries/s | server CPU µs per delivery | deliveries/s against one phrase | CPU per delivery against one phrase |`,
    '|---|---|---|---|---|---|',
  ];
  try {
    for (const scenario of SCENARIOS.filter((s) => wanted.has(s.name))) {
      const rates = modes.map(() => [] as number[]);
      const cpu = modes.map(() => [] as number[]);
      for (let i = 0; i < runs; i++) {
        for (const [m, mode] of modes.entries()) {
          const port = await freePort();
          const child = await startServer('natter', port, mode.args);
          try {
            const r = await benchOnce([
              ...['--port', String(port), '--server-pid', String(child.pid)],
              ...['--duration', values.duration!, '--warmup', values.warmup!],
              ...GENERATOR.natter!,
              ...scenario.args,
            ]);
            if (r.lost > 0 || r.failures.length > 0) {
              throw new Error(`${mode.label}: lost ${r.lost}, ${r.failures.join('; ')}`);
            }
            rates[m]!.push(r.deliveriesPerSec);
            // CPU share of one core over the window, per delivery in that window.
            const perDelivery = ((r.server?.cpuPercent ?? NaN) / 100 / r.deliveriesPerSec) * 1e6;
            cpu[m]!.push(perDelivery);
            process.stderr.write(
              `${scenario.name} ${mode.label} run ${i + 1}: ${r.deliveriesPerSec}/s, CPU ${r.server?.cpuPercent}%\n`,
            );
          } finally {
            await stop(child);
          }
        }
      }
      const one = 1;
      for (const [m, mode] of modes.entries()) {
        const rate = median(rates[m]!);
        const perDelivery = median(cpu[m]!);
        out.push(
          `| ${scenario.name} | natter, ${mode.label} | ${spread(rates[m]!, thousands)} | ${fixed(3)(perDelivery)} | ${fixed(2)(rate / median(rates[one]!))} | ${fixed(2)(perDelivery / median(cpu[one]!))} |`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  out.push(
    '',
    `Load average (1, 5, 15 min) at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}.`,
  );
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:phrases: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
