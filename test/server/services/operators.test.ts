import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FAILURE_WINDOW_MS,
  MAX_CHECKS_AT_ONCE,
  MAX_OPER_FAILURES,
  Operators,
} from '../../../src/server/services/operators.js';
import { FakeClock } from '../../fake-clock.js';
import { ROOT, cheapHash } from '../../operators.js';

describe('Operators (OPER checks)', () => {
  it('counts attempts made at once before checking them: a burst cannot pass the limit', async () => {
    const clock = new FakeClock();
    const operators = new Operators([ROOT], clock);
    const outcomes = [];
    // More at once than the limit allows, in waves of what the server checks at once.
    for (let wave = 0; wave < 4; wave++) {
      const attempts = Array.from({ length: MAX_CHECKS_AT_ONCE }, (_, i) =>
        operators.check('root', `guess ${wave}-${i}`, '192.0.2.7'),
      );
      outcomes.push(...(await Promise.all(attempts)).map((o) => (o.ok ? 'ok' : o.reason)));
    }
    assert.deepEqual(
      outcomes.filter((o) => o === 'wrong').length,
      MAX_OPER_FAILURES,
      outcomes.join(' '),
    );
    const right = await operators.check('root', 'secret', '192.0.2.7');
    assert.equal(right.ok ? 'ok' : right.reason, 'rate-limited');
    clock.advance(FAILURE_WINDOW_MS);
    assert.deepEqual(await operators.check('root', 'secret', '192.0.2.7'), { ok: true });
  });

  it('checks only a few passwords at once, server-wide', async () => {
    const operators = new Operators([ROOT], new FakeClock());
    const burst = Array.from({ length: MAX_CHECKS_AT_ONCE + 3 }, (_, i) =>
      operators.check('root', 'secret', `198.51.100.${i}`),
    );
    const outcomes = await Promise.all(burst);
    assert.equal(outcomes.filter((o) => o.ok).length, MAX_CHECKS_AT_ONCE);
    assert.ok(outcomes.every((o) => o.ok || o.reason === 'rate-limited'));
  });

  it('counts an IPv6 client by its /64, and a success does not count', async () => {
    const operators = new Operators([ROOT], new FakeClock(), 64);
    for (let i = 0; i < MAX_OPER_FAILURES; i++) {
      assert.equal((await operators.check('root', 'wrong', `2001:db8::${i + 1}`)).ok, false);
    }
    const neighbour = await operators.check('root', 'secret', '2001:db8::ffff');
    assert.equal(neighbour.ok ? 'ok' : neighbour.reason, 'rate-limited');
    const elsewhere = new Operators([ROOT], new FakeClock(), 64);
    for (let i = 0; i < MAX_OPER_FAILURES + 2; i++) {
      assert.deepEqual(await elsewhere.check('root', 'secret', '2001:db8:1::1'), { ok: true });
    }
  });

  it('answers an unknown name as a wrong password, and takes the reloaded table', async () => {
    const operators = new Operators([ROOT], new FakeClock());
    assert.deepEqual(await operators.check('nobody', 'secret', '192.0.2.1'), {
      ok: false,
      reason: 'wrong',
    });
    const changed = { name: 'root', passwordHash: cheapHash('new secret') };
    operators.reload([changed]);
    assert.equal(operators.hashOf('root'), changed.passwordHash);
    assert.equal((await operators.check('root', 'secret', '192.0.2.2')).ok, false);
    assert.deepEqual(await operators.check('root', 'new secret', '192.0.2.3'), { ok: true });
  });
});
