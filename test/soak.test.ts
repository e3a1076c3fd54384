import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatReport, runSoak } from '../bench/soak.js';

/**
 * The seed of the misbehaving clients' choices: fixed, so that every run of `npm test` makes the
 * same choices and a failure can be replayed. SOAK_SEED overrides it.
 */
const SEED = 20261127;

/** The short version of `npm run soak`: misbehaving clients must cost the others nothing. */
describe('soak (short)', () => {
  it('loses no message of a well-behaved client and leaks no descriptor', async (t) => {
    const seed = process.env.SOAK_SEED ? Number(process.env.SOAK_SEED) : SEED;
    assert.ok(Number.isSafeInteger(seed) && seed >= 0, `SOAK_SEED must be a whole number`);
    t.diagnostic(`soak seed ${seed} (replay with SOAK_SEED=${seed})`);
    const report = await runSoak({ durationMs: 12_000, goodClients: 10, goodRate: 15, seed });
    t.diagnostic(formatReport(report));
    assert.ok(report.sent > 0);
    assert.equal(report.lost, 0, 'lost messages');
    assert.equal(report.outOfOrder, 0, 'out of order');
    assert.equal(report.duplicated, 0, 'duplicated');
    assert.ok(
      report.fdsAfter <= report.fdsBefore,
      `descriptors ${report.fdsBefore} -> ${report.fdsAfter}`,
    );
    assert.ok(report.serverAlive, 'the server answers at the end');
    // The chaos happened: every kind of misbehaviour met its limit.
    for (const error of [
      'FLOOD',
      'RATE_LIMITED',
      'REGISTRATION_TIMEOUT',
      'CONNECTION_RATE_LIMITED',
      'INVALID_JSON',
    ]) {
      assert.ok((report.errors[error] ?? 0) > 0, `${error} was exercised`);
    }
  });
});
