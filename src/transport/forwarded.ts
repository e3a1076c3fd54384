import net from 'node:net';
import { addToBlockList, ipv6Text } from '../addresses.js';

/**
 * The client's address behind trusted reverse proxies, from `X-Forwarded-For` (docs/protocol.md,
 * rule 3.14). Each proxy appends the address it was reached from, so the list reads from the
 * client on the left to the last proxy on the right, and only what a trusted proxy appended can
 * be believed: anyone may send the header with any addresses in it. The client is the rightmost
 * address that is not a trusted proxy, walking from the peer leftwards through trusted hops only.
 */
export class ForwardedFor {
  private readonly trusted = new net.BlockList();
  private readonly any: boolean;

  /** @param trustedProxies addresses and CIDR blocks of the proxies in front of the server */
  constructor(trustedProxies: readonly string[]) {
    for (const entry of trustedProxies) addToBlockList(this.trusted, entry);
    this.any = trustedProxies.length > 0;
  }

  /**
   * The client's address, given the peer's (the socket's) and the request's `X-Forwarded-For`
   * (Node joins repeated headers with commas). The peer's own when it is no trusted proxy.
   */
  client(peer: string, header: string | readonly string[] | undefined): string {
    if (!this.any || header === undefined) return peer;
    let client = peer;
    const hops = (typeof header === 'string' ? header : header.join(',')).split(',');
    for (let i = hops.length - 1; i >= 0 && this.isTrusted(client); i--) {
      const hop = hopAddress(hops[i]!);
      // A hop that is no address: what a trusted proxy appended ends here.
      if (hop === undefined) break;
      client = hop;
    }
    return client;
  }

  /** True for an address of a trusted proxy. */
  isTrusted(address: string): boolean {
    const family = net.isIP(address);
    return family !== 0 && this.trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/**
 * One hop of the list as an address in its usual text: `192.0.2.1`, `2001:db8::1`; proxies that
 * add the port write `192.0.2.1:1234` or `[2001:db8::1]:1234`. Undefined for anything else.
 */
function hopAddress(text: string): string | undefined {
  let hop = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) hop = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(hop)) hop = hop.slice(0, hop.indexOf(':'));
  if (net.isIPv4(hop)) return hop;
  if (!net.isIPv6(hop) || hop.includes('%')) return undefined;
  return ipv6Text(hop);
}

/**
 * Whom the PROXY protocol is taken from: the `--trust-proxy` addresses, or, when none are
 * given, this machine only (a balancer on the same host).
 */
export function proxyPeers(trustProxy: readonly string[]): (peer: string) => boolean {
  if (trustProxy.length > 0) {
    const trusted = new ForwardedFor(trustProxy);
    return (peer) => trusted.isTrusted(peer);
  }
  return (peer) => peer === '::1' || (net.isIPv4(peer) && peer.startsWith('127.'));
}
