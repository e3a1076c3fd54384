/**
 * Addresses and CIDR blocks for address bans: parsed, written in one canonical text (so that a
 * block has one identity however it was typed), and matched against a client's address.
 *
 * Every address is taken as 128 bits: an IPv4 address as its IPv4-mapped IPv6 form
 * (`::ffff:192.0.2.1`, RFC 4291), and an IPv4 block of prefix p as that form's block of prefix
 * 96 + p. So a ban on `192.0.2.0/24` catches a client seen as `::ffff:192.0.2.7` (a dual-stack
 * listener's view of an IPv4 client) and a ban typed as `::ffff:192.0.2.7` catches the client
 * `192.0.2.7`; an IPv6 block wider than /96 that covers the mapped range (`::/0`) covers every
 * IPv4 address too. This is also how `node:net`'s BlockList compares the two families.
 *
 * Why not BlockList for the ban list: it answers whether an address is in the list, not which
 * entry matched, and a refused client must be told that ban's reason and expiry. One BlockList
 * per ban would cost a check per ban. {@link AddressMatcher} instead keeps the blocks by prefix
 * length and looks an address up once per length in use: a few map lookups, however many bans.
 */
import net from 'node:net';

/** An address or a CIDR block that cannot be used; the message says why. */
export class AddressError extends Error {
  override name = 'AddressError';
}

/** Four 32-bit words, most significant first. */
type Words = readonly [number, number, number, number];

/** An address (a block of all 128 bits) or a CIDR block, normalised. */
export interface AddressBlock {
  /**
   * The canonical text: IPv4 in dotted decimal, also when given in IPv4-mapped form; IPv6 in
   * RFC 5952's form (lower case, the longest run of zero groups as `::`); a block as its first
   * address and prefix length (`10.0.0.0/8`, `2001:db8::/32`), host bits cleared; a single
   * address without `/32` or `/128`.
   */
  readonly text: string;
  /** 4 for an IPv4 address or block (given in either form), 6 otherwise. */
  readonly family: 4 | 6;
  /** Leading bits of the 128-bit form that an address must share to be in the block. */
  readonly bits: number;
  /** The 128-bit form, host bits cleared. */
  readonly words: Words;
}

const MAPPED_HIGH: readonly number[] = [0, 0, 0xffff];

/**
 * Parses `192.0.2.1`, `10.0.0.0/8`, `2001:db8::/32`, `::ffff:192.0.2.0/120` and the like. A
 * block's host bits may be set (`10.1.2.3/8` is `10.0.0.0/8`). Surrounding spaces, zones
 * (`fe80::1%eth0`), leading zeros in an IPv4 part or the prefix, and prefixes past the
 * family's width are refused.
 * @throws AddressError saying what is wrong
 */
export function parseAddressBlock(text: string): AddressBlock {
  if (typeof text !== 'string') throw new AddressError('an address must be a string');
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const words = addressWords(address, text);
  const ipv4 = net.isIPv4(address);
  let bits = 128;
  if (slash !== -1) {
    const prefix = text.slice(slash + 1);
    const width = ipv4 ? 32 : 128;
    if (!/^(0|[1-9]\d{0,2})$/.test(prefix) || Number(prefix) > width) {
      throw new AddressError(
        `bad prefix length in "${text}": it must be a whole number from 0 to ${width}`,
      );
    }
    bits = Number(prefix) + (ipv4 ? 96 : 0);
  }
  return block(words, bits);
}

/**
 * Parses a single address (no prefix length): a client's, to be matched. A zone
 * (`fe80::1%eth0`, as a socket may report a link-local peer) is dropped, since ban entries
 * never carry one.
 * @throws AddressError when `text` is not an IPv4 or IPv6 address
 */
export function parseAddress(text: string): AddressBlock {
  if (typeof text !== 'string') throw new AddressError('an address must be a string');
  const zone = text.indexOf('%');
  const address = zone !== -1 && net.isIPv6(text) ? text.slice(0, zone) : text;
  if (address.includes('/')) throw new AddressError(`"${text}" is a block, not one address`);
  return block(addressWords(address, text), 128);
}

/** The canonical text of an address or block (see {@link AddressBlock.text}). */
export function canonicalAddress(text: string): string {
  return parseAddressBlock(text).text;
}

/** Whether `address` (a single address or a narrower block) lies within `outer`. */
export function blockContains(outer: AddressBlock, address: AddressBlock): boolean {
  return address.bits >= outer.bits && sameWords(mask(address.words, outer.bits), outer.words);
}

/**
 * The canonical texts of every block that contains `address`, narrowest first: the address
 * itself, then its /127 (or /31 for IPv4) and so on to `::/0`, 129 in all. A store that cannot
 * run an {@link AddressMatcher} (a shared one, in Redis) looks these up.
 */
export function enclosingBlocks(address: AddressBlock): string[] {
  const texts: string[] = [];
  for (let bits = address.bits; bits >= 0; bits--) texts.push(block(address.words, bits).text);
  return texts;
}

/**
 * Blocks, each with a value (the ban it stands for), looked up by an address: which blocks
 * contain it, the narrowest first. A lookup costs one map lookup per prefix length in use.
 */
export class AddressMatcher<T> {
  /** prefix bits -> masked words -> value */
  private readonly byBits = new Map<number, Map<string, T>>();
  /** The prefix lengths in use, longest first. */
  private lengths: number[] = [];

  get size(): number {
    let size = 0;
    for (const blocks of this.byBits.values()) size += blocks.size;
    return size;
  }

  /** Sets the value of a block, replacing the value it had. */
  set(entry: AddressBlock, value: T): void {
    let blocks = this.byBits.get(entry.bits);
    if (!blocks) {
      blocks = new Map();
      this.byBits.set(entry.bits, blocks);
      this.lengths = [...this.byBits.keys()].sort((a, b) => b - a);
    }
    blocks.set(key(entry.words), value);
  }

  /** The value of exactly this block, if it has one. */
  get(entry: AddressBlock): T | undefined {
    return this.byBits.get(entry.bits)?.get(key(entry.words));
  }

  /** Removes exactly this block; whether it was there. */
  delete(entry: AddressBlock): boolean {
    const blocks = this.byBits.get(entry.bits);
    if (!blocks?.delete(key(entry.words))) return false;
    if (blocks.size === 0) {
      this.byBits.delete(entry.bits);
      this.lengths = this.lengths.filter((bits) => bits !== entry.bits);
    }
    return true;
  }

  /** The values of every block containing `address`, the narrowest block first. */
  match(address: AddressBlock): T[] {
    const found: T[] = [];
    for (const bits of this.lengths) {
      if (bits > address.bits) continue;
      const value = this.byBits.get(bits)!.get(key(mask(address.words, bits)));
      if (value !== undefined) found.push(value);
    }
    return found;
  }

  clear(): void {
    this.byBits.clear();
    this.lengths = [];
  }
}

function block(words: Words, bits: number): AddressBlock {
  const masked = mask(words, bits);
  const family = bits >= 96 && MAPPED_HIGH.every((w, i) => masked[i] === w) ? 4 : 6;
  const single = bits === 128;
  let text: string;
  if (family === 4) {
    const w = masked[3];
    text = `${w >>> 24}.${(w >>> 16) & 0xff}.${(w >>> 8) & 0xff}.${w & 0xff}`;
    if (!single) text += `/${bits - 96}`;
  } else {
    text = ipv6Text(masked) + (single ? '' : `/${bits}`);
  }
  return { text, family, bits, words: masked };
}

/** The 128-bit form of an IPv4 or IPv6 address; `whole` is what the user wrote, for errors. */
function addressWords(address: string, whole: string): Words {
  if (net.isIPv4(address)) {
    const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number];
    return [0, 0, 0xffff, ((a << 24) | (b << 16) | (c << 8) | d) >>> 0];
  }
  if (address.includes('%') && net.isIPv6(address)) {
    throw new AddressError(
      `"${whole}" has a zone (${address.slice(address.indexOf('%'))}): give the address without it`,
    );
  }
  if (!net.isIPv6(address)) {
    throw new AddressError(`not an IPv4 or IPv6 address or CIDR block: "${whole}"`);
  }
  const [head = '', tail] = address.split('::');
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  const word = (i: number) => ((all[2 * i]! << 16) | all[2 * i + 1]!) >>> 0;
  return [word(0), word(1), word(2), word(3)];
}

/** The 16-bit groups of one side of `::` (an IPv4 tail as two groups). */
function groups(part: string): number[] {
  if (part === '') return [];
  return part.split(':').flatMap((group) => {
    if (!group.includes('.')) return [parseInt(group, 16)];
    const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
    return [(a << 8) | b, (c << 8) | d];
  });
}

/** RFC 5952: lower case, no leading zeros, the longest run (the first of equals) of two or
 * more zero groups as `::`. */
function ipv6Text(words: Words): string {
  const hex = words.flatMap((w) => [w >>> 16, w & 0xffff]).map((g) => g.toString(16));
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (hex[i] !== '0') {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && hex[end] === '0') end++;
    if (end - i > bestLength) [best, bestLength] = [i, end - i];
    i = end;
  }
  if (best === -1) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}

function mask(words: Words, bits: number): Words {
  const out = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    const keep = Math.min(32, Math.max(0, bits - 32 * i));
    out[i] = keep === 0 ? 0 : keep === 32 ? words[i]! : (words[i]! & (~0 << (32 - keep))) >>> 0;
  }
  return out as unknown as Words;
}

function sameWords(a: Words, b: Words): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

function key(words: Words): string {
  return `${words[0]},${words[1]},${words[2]},${words[3]}`;
}
