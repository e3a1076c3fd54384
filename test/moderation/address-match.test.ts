import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  AddressError,
  AddressMatcher,
  blockContains,
  canonicalAddress,
  enclosingBlocks,
  parseAddress,
  parseAddressBlock,
} from '../../src/moderation/address-match.js';

const inside = (block: string, address: string) =>
  blockContains(parseAddressBlock(block), parseAddress(address));

describe('parseAddressBlock', () => {
  it('writes every address and block in one canonical text', () => {
    const cases: [string, string, 4 | 6, number][] = [
      ['192.0.2.1', '192.0.2.1', 4, 128],
      ['192.0.2.1/32', '192.0.2.1', 4, 128],
      ['10.1.2.3/8', '10.0.0.0/8', 4, 104],
      ['0.0.0.0/0', '0.0.0.0/0', 4, 96],
      ['255.255.255.255/31', '255.255.255.254/31', 4, 127],
      ['::ffff:192.0.2.1', '192.0.2.1', 4, 128],
      ['::FFFF:c000:0201', '192.0.2.1', 4, 128],
      ['0:0:0:0:0:ffff:192.0.2.1', '192.0.2.1', 4, 128],
      ['::ffff:192.0.2.0/120', '192.0.2.0/24', 4, 120],
      ['::ffff:0:0/96', '0.0.0.0/0', 4, 96],
      ['::ffff:1.2.3.4/95', '::fffe:0:0/95', 6, 95],
      ['::1.2.3.4', '::102:304', 6, 128],
      ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1', 6, 128],
      ['2001:db8::1/128', '2001:db8::1', 6, 128],
      ['2001:db8:aaaa::/32', '2001:db8::/32', 6, 32],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6, 128],
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1', 6, 128],
      ['1:0:1:0:1:0:1:0', '1:0:1:0:1:0:1:0', 6, 128],
      ['::', '::', 6, 128],
      ['::/0', '::/0', 6, 0],
      ['ffff:ffff::/1', '8000::/1', 6, 1],
      ['fe80::1', 'fe80::1', 6, 128],
    ];
    for (const [input, text, family, bits] of cases) {
      const parsed = parseAddressBlock(input);
      assert.deepEqual([parsed.text, parsed.family, parsed.bits], [text, family, bits], input);
      assert.equal(canonicalAddress(text), text, `${text} is its own canonical text`);
    }
  });

  it('refuses bad addresses, prefixes and zones with a message saying which', () => {
    const cases: [string, RegExp][] = [
      ['', /not an IPv4 or IPv6 address or CIDR block: ""/],
      ['localhost', /not an IPv4 or IPv6 address/],
      ['256.0.0.1', /not an IPv4 or IPv6 address/],
      ['1.2.3', /not an IPv4 or IPv6 address/],
      ['01.2.3.4', /not an IPv4 or IPv6 address/],
      [' 1.2.3.4', /not an IPv4 or IPv6 address/],
      ['1::2::3', /not an IPv4 or IPv6 address/],
      ['2001:db8::g', /not an IPv4 or IPv6 address/],
      ['/8', /not an IPv4 or IPv6 address/],
      ['1.2.3.4/33', /bad prefix length in "1\.2\.3\.4\/33": .* 0 to 32/],
      ['1.2.3.4/-1', /bad prefix length/],
      ['1.2.3.4/', /bad prefix length/],
      ['1.2.3.4/08', /bad prefix length/],
      ['1.2.3.4/8/8', /bad prefix length/],
      ['1.2.3.4/ 8', /bad prefix length/],
      ['::/129', /bad prefix length in "::\/129": .* 0 to 128/],
      ['fe80::1%eth0', /"fe80::1%eth0" has a zone \(%eth0\): give the address without it/],
      ['fe80::%1/64', /has a zone \(%1\)/],
    ];
    for (const [input, message] of cases) {
      assert.throws(
        () => parseAddressBlock(input),
        (err) => err instanceof AddressError && message.test(err.message),
        input,
      );
    }
    assert.throws(() => parseAddressBlock(42 as unknown as string), AddressError);
    // The prefix of a mapped address counts in IPv6 bits: /33 of its 128 is a block of IPv6.
    assert.equal(parseAddressBlock('::ffff:1.2.3.4/33').text, '::/33');
  });
});

describe('parseAddress', () => {
  it('takes one address, dropping a zone a socket may report', () => {
    assert.equal(parseAddress('::ffff:10.0.0.1').text, '10.0.0.1');
    assert.equal(parseAddress('fe80::1%eth0').text, 'fe80::1');
    assert.throws(() => parseAddress('10.0.0.0/8'), /is a block, not one address/);
    assert.throws(() => parseAddress('nowhere'), AddressError);
  });
});

describe('matching', () => {
  it('matches IPv4 rules against mapped addresses and the other way round', () => {
    assert.ok(inside('10.0.0.0/8', '10.200.0.1'));
    assert.ok(inside('10.0.0.0/8', '::ffff:10.200.0.1'));
    assert.ok(inside('::ffff:10.0.0.1', '10.0.0.1'));
    assert.ok(inside('::ffff:10.0.0.0/104', '10.9.9.9'));
    assert.ok(!inside('10.0.0.0/8', '11.0.0.1'));
    assert.ok(!inside('10.0.0.0/8', '::a00:1'), 'IPv4-compatible is not IPv4');
    assert.ok(inside('0.0.0.0/0', '203.0.113.9'));
    assert.ok(!inside('0.0.0.0/0', '2001:db8::1'), 'all of IPv4 is not all of IPv6');
    assert.ok(inside('::/0', '203.0.113.9'), 'all of IPv6 includes the mapped range');
    assert.ok(inside('192.0.2.1/32', '192.0.2.1'));
    assert.ok(!inside('192.0.2.1/32', '192.0.2.2'));
    assert.ok(inside('2001:db8::1/128', '2001:db8:0::1'));
    assert.ok(!inside('2001:db8::1/128', '2001:db8::2'));
    assert.ok(inside('2001:db8::/32', '2001:db8:ffff::1'));
    assert.ok(!inside('2001:db8::/32', '2001:db9::1'));
    assert.ok(!blockContains(parseAddressBlock('10.0.0.0/16'), parseAddressBlock('10.0.0.0/8')));
  });

  it('tells which blocks hold an address, the narrowest first', () => {
    const matcher = new AddressMatcher<string>();
    for (const entry of ['10.0.0.0/8', '10.1.0.0/16', '10.1.2.3', '2001:db8::/32', '::/0']) {
      matcher.set(parseAddressBlock(entry), entry);
    }
    assert.equal(matcher.size, 5);
    assert.deepEqual(matcher.match(parseAddress('10.1.2.3')), [
      '10.1.2.3',
      '10.1.0.0/16',
      '10.0.0.0/8',
      '::/0',
    ]);
    assert.deepEqual(matcher.match(parseAddress('::ffff:10.2.0.1')), ['10.0.0.0/8', '::/0']);
    assert.deepEqual(matcher.match(parseAddress('2001:db8::5')), ['2001:db8::/32', '::/0']);
    assert.equal(matcher.get(parseAddressBlock('10.7.7.7/8')), '10.0.0.0/8');
    assert.equal(matcher.delete(parseAddressBlock('::/0')), true);
    assert.equal(matcher.delete(parseAddressBlock('::/0')), false);
    matcher.set(parseAddressBlock('10.1.2.3/32'), 'again');
    assert.deepEqual(matcher.match(parseAddress('10.1.2.3')), [
      'again',
      '10.1.0.0/16',
      '10.0.0.0/8',
    ]);
    assert.deepEqual(matcher.match(parseAddress('192.0.2.1')), []);
    matcher.clear();
    assert.equal(matcher.size, 0);
    assert.deepEqual(matcher.match(parseAddress('10.1.2.3')), []);
  });

  it('lists the 129 blocks around an address, narrowest first', () => {
    const v4 = enclosingBlocks(parseAddress('192.0.2.129'));
    assert.equal(v4.length, 129);
    assert.deepEqual(v4.slice(0, 3), ['192.0.2.129', '192.0.2.128/31', '192.0.2.128/30']);
    assert.equal(v4[32], '0.0.0.0/0');
    assert.equal(v4[33], '::fffe:0:0/95');
    assert.equal(v4[128], '::/0');
    const v6 = enclosingBlocks(parseAddress('2001:db8::1'));
    assert.deepEqual([v6[0], v6[96], v6[128]], ['2001:db8::1', '2001:db8::/32', '::/0']);
  });

  it('agrees with node:net BlockList on random blocks and addresses', () => {
    const ipv4 = fc
      .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255))
      .map((p) => p.join('.'));
    const ipv6 = fc
      .array(fc.oneof(fc.constant(0), fc.nat(0xffff)), { minLength: 8, maxLength: 8 })
      .map((g) => g.map((x) => x.toString(16)).join(':'));
    const mapped = ipv4.map((a) => `::ffff:${a}`);
    const address = fc.oneof(ipv4, ipv6, mapped);
    const entry = fc.oneof(
      ipv4.chain((a) => fc.nat(32).map((p) => ({ a, p, family: 'ipv4' as const }))),
      fc
        .oneof(ipv6, mapped)
        .chain((a) => fc.nat(128).map((p) => ({ a, p, family: 'ipv6' as const }))),
    );
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 8 }), address, (entries, client) => {
        const list = new net.BlockList();
        const matcher = new AddressMatcher<number>();
        entries.forEach(({ a, p, family }, i) => {
          list.addSubnet(a, p, family);
          matcher.set(parseAddressBlock(`${a}/${p}`), i);
        });
        const family = net.isIPv4(client) ? 'ipv4' : 'ipv6';
        assert.equal(matcher.match(parseAddress(client)).length > 0, list.check(client, family));
        const around = new Set(enclosingBlocks(parseAddress(client)));
        for (const { a, p } of entries) {
          const text = parseAddressBlock(`${a}/${p}`).text;
          assert.equal(around.has(text), inside(text, client), `${text} around ${client}`);
        }
      }),
      { numRuns: 500 },
    );
  });
});
