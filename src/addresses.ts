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

/** `127.0.0.1:20825`, `[::1]:20825` */
export function formatAddress(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
