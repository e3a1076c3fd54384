import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAttacks } from '../bench/attack/report.js';
import { runAttacks } from '../bench/attack/suite.js';

// The short attack suite (`npm run attack -- --short`): every attack of the full one with smaller
// counts, against a fresh server process, with three canaries chatting throughout. Each attack
// must keep its rule, the canaries must lose nothing, and the server must give back every
// descriptor the attack cost it.
describe('attack suite (short)', () => {
  it(
    'every attack keeps its rule and the canaries lose nothing',
    { timeout: 180_000 },
    async () => {
      const results = await runAttacks({ short: true });
      const failed = results.filter((r) => r.problems.length > 0);
      assert.deepEqual(failed, [], formatAttacks(results));
      assert.ok(results.length >= 13, `${results.length} attacks ran`);
    },
  );
});
