import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressLimiter } from '../../../src/server/services/address-limiter.js';

const limits = {
  maxConnectionsPerIp: 2,
  ipConnectBurst: 3,
  ipConnectRate: 1,
  exemptAddresses: ['127.0.0.0/8', '::1', '10.1.2.3'],
  ipv6Prefix: 64,
};

describe('AddressLimiter (rules 3.10, 3.11)', () => {
  it('counts open connections per address, independently for each address', () => {
    const limiter = new AddressLimiter(limits);
    assert.deepEqual(limiter.admit('192.0.2.1', 0), { ok: true });
    assert.deepEqual(limiter.admit('192.0.2.1', 0), { ok: true });
    assert.deepEqual(limiter.admit('192.0.2.1', 0), { ok: false, reason: 'per-ip' });
    assert.deepEqual(limiter.admit('192.0.2.2', 0), { ok: true });
    limiter.release('192.0.2.1');
    assert.deepEqual(limiter.admit('192.0.2.1', 0), { ok: true });
  });

  it('limits the rate of new connections, with the time until one is allowed', () => {
    const limiter = new AddressLimiter({ ...limits, maxConnectionsPerIp: 100 });
    for (let i = 0; i < 3; i++) assert.equal(limiter.admit('192.0.2.9', 0).ok, true);
    assert.deepEqual(limiter.admit('192.0.2.9', 0), {
      ok: false,
      reason: 'rate',
      retryAfterMs: 1000,
    });
    assert.equal(limiter.admit('192.0.2.9', 1000).ok, true);
  });

  it('exempts addresses and blocks, IPv4 and IPv6, from every limit', () => {
    const limiter = new AddressLimiter(limits);
    for (const ip of ['127.0.0.1', '127.9.9.9', '::1', '10.1.2.3']) {
      assert.equal(limiter.isExempt(ip), true, ip);
      for (let i = 0; i < 10; i++) assert.equal(limiter.admit(ip, 0).ok, true);
    }
    assert.equal(limiter.isExempt('10.1.2.4'), false);
    assert.equal(limiter.isExempt('not an address'), false);
    assert.equal(limiter.size, 0, 'exempt addresses are not tracked');
  });

  it('forgets addresses with nothing open once their bucket is full again', () => {
    const limiter = new AddressLimiter(limits);
    limiter.admit('192.0.2.1', 0);
    limiter.admit('192.0.2.2', 0);
    limiter.release('192.0.2.2');
    limiter.prune(0);
    assert.equal(limiter.size, 2, 'the bucket of .2 is still refilling');
    limiter.prune(10_000);
    assert.equal(limiter.size, 1, '.1 still has a connection open');
  });

  it('counts an IPv6 client by its /64: other addresses of the /64 share its limits', () => {
    const limiter = new AddressLimiter(limits);
    assert.equal(limiter.admit('2001:db8:1:2::1', 0).ok, true);
    assert.equal(limiter.admit('2001:db8:1:2:ffff:ffff:ffff:fffe', 0).ok, true);
    assert.deepEqual(limiter.admit('2001:0db8:0001:0002:0:0:0:9', 0), {
      ok: false,
      reason: 'per-ip',
    });
    assert.equal(limiter.admit('2001:db8:1:3::1', 0).ok, true, 'the next /64 is another client');
    limiter.release('2001:db8:1:2::abcd'); // any address of the /64 frees its place
    assert.equal(limiter.admit('2001:db8:1:2::5', 0).ok, true);
    assert.equal(limiter.size, 2);
  });

  it('rate-limits new connections per /64, not per address', () => {
    const limiter = new AddressLimiter({ ...limits, maxConnectionsPerIp: 100 });
    for (let i = 1; i <= 3; i++) assert.equal(limiter.admit(`2001:db8::${i}`, 0).ok, true);
    assert.deepEqual(limiter.admit('2001:db8::4', 0), {
      ok: false,
      reason: 'rate',
      retryAfterMs: 1000,
    });
    assert.equal(limiter.admit('2001:db8::5', 1000).ok, true);
  });

  it('counts each IPv6 address apart with a prefix of 128, or by a shorter prefix', () => {
    const each = new AddressLimiter({ ...limits, ipv6Prefix: 128, maxConnectionsPerIp: 1 });
    assert.equal(each.admit('2001:db8::1', 0).ok, true);
    assert.equal(each.admit('2001:db8::2', 0).ok, true);
    assert.equal(each.admit('2001:DB8:0::1', 0).ok, false, 'the same address, written otherwise');
    const wide = new AddressLimiter({ ...limits, ipv6Prefix: 48, maxConnectionsPerIp: 1 });
    assert.equal(wide.admit('2001:db8:1:2::1', 0).ok, true);
    assert.equal(wide.admit('2001:db8:1:ffff::1', 0).ok, false, 'the same /48');
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address, exemptions included', () => {
    const limiter = new AddressLimiter(limits);
    assert.equal(limiter.admit('192.0.2.7', 0).ok, true);
    assert.equal(limiter.admit('::ffff:192.0.2.7', 0).ok, true);
    assert.equal(limiter.admit('::ffff:c000:207', 0).ok, false);
    assert.equal(limiter.size, 1);
    assert.equal(limiter.isExempt('::ffff:127.0.0.1'), true);
    assert.equal(limiter.isExempt('::ffff:10.1.2.3'), true);
  });
});
