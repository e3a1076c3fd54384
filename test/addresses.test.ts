import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addressKey } from '../src/addresses.js';

describe('addressKey: what the per-address limits count an address as', () => {
  it('an IPv6 address by its first bits, in the usual text, whatever way it was written', () => {
    assert.equal(addressKey('2001:db8:1:2:3:4:5:6', 64), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:0DB8:0001:0002::', 64), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8:abcd:1234:5678::', 56), '2001:db8:abcd:1200::/56');
    assert.equal(addressKey('2001:db8::7', 48), '2001:db8::/48');
    assert.equal(addressKey('fe80::1%eth0', 64), 'fe80::/64');
    assert.equal(addressKey('2001:0db8::0001', 128), '2001:db8::1');
  });

  it('IPv4 as it is, IPv4-mapped IPv6 as IPv4, anything else as it is', () => {
    assert.equal(addressKey('192.0.2.1', 64), '192.0.2.1');
    assert.equal(addressKey('::ffff:192.0.2.1', 64), '192.0.2.1');
    assert.equal(addressKey('::FFFF:c000:201', 128), '192.0.2.1');
    assert.equal(addressKey('hidden', 64), 'hidden');
  });

  it('two IPv6 addresses share a key exactly when their first bits agree', () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.ipV6(), fc.integer({ min: 1, max: 128 }), (a, b, prefix) => {
        // IPv4-mapped (and IPv4-compatible) addresses are written with a dotted tail: not here.
        const dotted = (x: string) => addressKey(x, 128).includes('.');
        if (dotted(a) || dotted(b)) return;
        const bits = (x: string) => bigintOf(addressKey(x, 128));
        const shift = BigInt(128 - prefix);
        const same = bits(a) >> shift === bits(b) >> shift;
        assert.equal(addressKey(a, prefix) === addressKey(b, prefix), same, `${a} ${b} /${prefix}`);
      }),
    );
  });
});

/** An IPv6 address as a 128-bit number. */
function bigintOf(address: string): bigint {
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}
