import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counters } from '../../../src/server/counters.js';
import { Logger } from '../../../src/server/logger.js';
import { Admission } from '../../../src/server/services/admission.js';
import { FakeClock } from '../../fake-clock.js';

function admission(exemptAddresses: string[], clock = new FakeClock()): Admission {
  const limits = {
    maxConnections: 10,
    maxConnectionsPerIp: 2,
    ipConnectBurst: 3,
    ipConnectRate: 1,
    exemptAddresses,
    ipv6Prefix: 64,
  };
  return new Admission(limits, clock, new Logger('silent'), new Counters());
}

const endpoints = (remoteAddress: string) => ({
  remoteAddress,
  remotePort: 1,
  localAddress: '2001:db8::1',
  localPort: 20825,
});

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

  it('refuses a /64 its connection rate, then admits it again as time passes', () => {
    const clock = new FakeClock();
    const gate = admission([], clock);
    for (let i = 1; i <= 2; i++)
      assert.equal(gate.check(endpoints(`2001:db8:0:7::${i}`), 0), undefined);
    assert.deepEqual(gate.check(endpoints('2001:db8:0:7::3'), 0), {
      error: 'TOO_MANY_CONNECTIONS_FROM_IP',
    });
    gate.release('2001:db8:0:7::1');
    assert.deepEqual(gate.check(endpoints('2001:db8:0:7:ffff::1'), 0), undefined);
    gate.release('2001:db8:0:7::2');
    assert.deepEqual(gate.check(endpoints('2001:db8:0:7::4'), 0), {
      error: 'CONNECTION_RATE_LIMITED',
      fields: { retryAfterMs: 1000 },
    });
    clock.advance(1000);
    assert.equal(gate.check(endpoints('2001:db8:0:7::4'), 0), undefined);
  });
});
