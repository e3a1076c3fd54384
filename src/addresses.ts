import net from 'node:net';

/**
 * Network address helpers shared by the configuration, the server and its transports.
 */

/** Adds `10.0.0.1`, `10.0.0.0/8`, `::1` or `fd00::/8` to a block list; throws when invalid. */
export function addToBlockList(list: net.BlockList, entry: string): void {
  const [address = '', prefix] = entry.split('/');
  const family = net.isIPv6(address) ? 'ipv6' : net.isIPv4(address) ? 'ipv4' : undefined;
  if (!family) throw new Error(`not an IP address or CIDR block: ${entry}`);
  if (prefix === undefined) {
    list.addAddress(address, family);
    return;
  }
  const bits = Number(prefix);
  const max = family === 'ipv4' ? 32 : 128;
  if (!/^\d+$/.test(prefix) || bits > max) throw new Error(`bad prefix length in ${entry}`);
  list.addSubnet(address, bits, family);
}

/** `::ffff:127.0.0.1` -> `127.0.0.1`: an IPv4 client is reported as IPv4 (rule 4.5). */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * An IPv6 address in its usual text (`2001:0db8::0001` -> `2001:db8::1`), or as IPv4 when it is
 * IPv4-mapped (`::ffff:192.0.2.1` -> `192.0.2.1`); `address` must be a valid IPv6 address.
 */
export function ipv6Text(address: string): string {
  return plainAddress(new net.SocketAddress({ address, family: 'ipv6' }).address);
}

/**
 * What per-address limits count an address as (docs/protocol.md, rule 3.11): an IPv4 address as
 * it is, an IPv4-mapped IPv6 address as its IPv4 address, and an IPv6 address by its first
 * `ipv6Prefix` bits (`2001:db8:0:7::/64`), since one subscriber is commonly handed a whole /64;
 * 128 counts every IPv6 address apart. Anything else is its own key.
 */
export function addressKey(address: string, ipv6Prefix: number): string {
  if (!net.isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) {
    const [high = 0, low = 0] = groups.slice(6);
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  if (ipv6Prefix >= 128) return ipv6Text(address);
  const masked = groups.map((group, i) => {
    const bits = Math.min(16, Math.max(0, ipv6Prefix - 16 * i));
    return group & ((0xffff << (16 - bits)) & 0xffff);
  });
  return `${ipv6Text(masked.map((g) => g.toString(16)).join(':'))}/${ipv6Prefix}`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::`, an IPv4 tail and a zone allowed). */
function ipv6Groups(address: string): number[] {
  const text = new net.SocketAddress({ address, family: 'ipv6' }).address;
  const parse = (part: string | undefined): number[] =>
    !part
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head, tail] = text.split('::');
  const left = parse(head);
  const right = parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** `127.0.0.1:20825`, `[::1]:20825` */
export function formatAddress(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
