/**
 * `npm run chaos -- --minutes 10 --seed 42`: the cluster chaos run. Prints a markdown report on
 * stdout (progress on stderr) and exits 1 when any invariant broke, 2 when the run itself failed.
 */
import { parseArgs } from 'node:util';
import { runChaos } from './chaos.js';
import { killAllChildren } from './cluster.js';
import { renderReport } from './report.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    seconds: { type: 'string' },
    seed: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('usage: npm run chaos -- [--minutes M | --seconds S] [--seed N]');
  process.exit(0);
}
const durationMs = values.seconds ? Number(values.seconds) * 1000 : Number(values.minutes) * 60_000;
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
if (!(durationMs > 0) || !Number.isInteger(seed)) {
  console.error('--minutes/--seconds must be positive and --seed an integer');
  process.exit(2);
}

// The watchdog: the run's own bounds should end it well before this; if not, stop everything.
const watchdog = setTimeout(() => {
  console.error('chaos: watchdog fired, killing every child');
  killAllChildren();
  process.exit(2);
}, durationMs + 180_000);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    killAllChildren();
    process.exit(2);
  });

try {
  const result = await runChaos({ durationMs, seed, log: (line) => console.error(line) });
  process.stdout.write(renderReport(result));
  process.exitCode = result.violations.length ? 1 : 0;
} catch (err) {
  console.error('chaos: the run failed:', err);
  killAllChildren();
  process.exitCode = 2;
}
