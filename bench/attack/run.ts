/**
 * `npm run attack [-- --short] [--only TEXT] [--server=--flag ...]`: the attack suite against a
 * fresh server on loopback, with a report of each attack's effect on three canary clients and on
 * the server's memory and descriptors. `--server` passes a flag on to `natter serve` (repeat it
 * for more). Exits with 1 when an attack broke its rule.
 */
import { parseArgs } from 'node:util';
import { formatAttacks } from './report.js';
import { runAttacks } from './suite.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      short: { type: 'boolean', default: false },
      only: { type: 'string' },
      server: { type: 'string', multiple: true, default: [] },
    },
  });
  const started = new Date();
  const results = await runAttacks({
    short: values.short!,
    only: values.only,
    serverArgs: values.server,
    log: (line) => console.error(line),
  });
  console.log(`attack suite${values.short ? ' (short)' : ''}, ${started.toISOString()}\n`);
  console.log(formatAttacks(results));
  process.exitCode = results.every((r) => r.problems.length === 0) ? 0 : 1;
}

await main();
