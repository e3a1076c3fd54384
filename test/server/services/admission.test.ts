import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counters } from '../../../src/server/counters.js';
import { Logger } from '../../../src/server/logger.js';
import { Admission } from '../../../src/server/services/admission.js';
import { FakeClock } from '../../fake-clock.js';

function admission(exemptAddresses: string[]): Admission {
  const limits = {
    maxConnections: 10,
    maxConnectionsPerIp: 2,
    ipConnectBurst: 3,
    ipConnectRate: 1,
    exemptAddresses,
  };
  return new Admission(limits, new FakeClock(), new Logger('silent'), new Counters());
}

describe('Admission', () => {
  it('warns when it listens beyond loopback while loopback is exempt (a local proxy)', () => {
    const exempt = admission(['127.0.0.0/8', '::1']);
    assert.equal(exempt.loopbackExemptionWarning(['127.0.0.1', '::1']), undefined);
    assert.match(exempt.loopbackExemptionWarning(['0.0.0.0']) ?? '', /listening on 0\.0\.0\.0/);
    assert.match(exempt.loopbackExemptionWarning(['::', '127.0.0.1']) ?? '', /--exempt-address/);
    assert.match(exempt.loopbackExemptionWarning(['192.0.2.7']) ?? '', /192\.0\.2\.7/);
    assert.equal(admission([]).loopbackExemptionWarning(['0.0.0.0']), undefined);
    assert.equal(admission(['10.0.0.0/8']).loopbackExemptionWarning(['0.0.0.0']), undefined);
  });
});
