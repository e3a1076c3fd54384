import net from 'node:net';
import { ipv6Text, plainAddress } from '../addresses.js';
import type { Clock } from '../server/clock.js';
import type { Endpoints } from '../server/session.js';

/*
 * The PROXY protocol, versions 1 and 2 (haproxy's doc/proxy-protocol.txt): a load balancer in
 * front of the server begins every connection with a header that names the client's address and
 * port and the address it connected to. The parser is pure; `readProxyHeader` reads a header off
 * a raw socket before anything else does (the chat port's reader, or a TLS wrap).
 */

/**
 * How long a connection has to send its header, whole: a balancer sends it at once, so a
 * connection still without one is not from a balancer (rule 3.14).
 */
export const PROXY_HEADER_TIMEOUT_MS = 5000;
/** A v1 header is one line of at most 107 bytes, CRLF included (spec 2.1). */
export const V1_MAX_BYTES = 107;
/** A v2 header: the signature, version and command, family and transport, then a length. */
const V2_FIXED_BYTES = 16;
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);
/** v2 address families (the high nibble of byte 13) and the one transport that is a stream. */
const AF_INET = 0x1;
const AF_INET6 = 0x2;
const AF_UNIX = 0x3;
const STREAM = 0x1;
const DGRAM = 0x2;

/** An address and port named by a header. */
export interface ProxyAddress {
  readonly address: string;
  readonly port: number;
}

/** A complete header, `length` bytes long. */
export type ProxyHeader =
  /** A proxied connection: the client (`source`) and the address it connected to. */
  | {
      readonly kind: 'proxied';
      readonly version: 1 | 2;
      readonly source: ProxyAddress;
      readonly destination: ProxyAddress;
      readonly length: number;
    }
  /**
   * v1 `UNKNOWN`, v2 `LOCAL` (the balancer's own health check), or a family without IP
   * addresses: the connection keeps the socket's own endpoints.
   */
  | { readonly kind: 'local'; readonly version: 1 | 2; readonly length: number };

export type ParseResult =
  | ProxyHeader
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'invalid'; readonly reason: string };

const INCOMPLETE = { kind: 'incomplete' } as const;

function invalid(reason: string): ParseResult {
  return { kind: 'invalid', reason };
}

/** True when `data` and `prefix` agree over the shorter of the two. */
function agrees(data: Uint8Array, prefix: Uint8Array): boolean {
  const n = Math.min(data.length, prefix.length);
  for (let i = 0; i < n; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

/**
 * Parses the header at the start of `data`, v1 or v2 as its first bytes say: `incomplete`
 * while more bytes could still make a valid header, `invalid` as soon as none can.
 */
export function parseProxyHeader(data: Uint8Array): ParseResult {
  if (data.length === 0) return INCOMPLETE;
  if (agrees(data, V2_SIGNATURE)) {
    return data.length < V2_SIGNATURE.length ? INCOMPLETE : parseV2(data);
  }
  if (agrees(data, V1_PREFIX)) {
    return data.length < V1_PREFIX.length ? INCOMPLETE : parseV1(data);
  }
  return invalid('the connection does not begin with a PROXY protocol header');
}

/** `PROXY TCP4|TCP6 <source> <destination> <source port> <destination port>\r\n`. */
function parseV1(data: Uint8Array): ParseResult {
  const window = data.subarray(0, V1_MAX_BYTES);
  const newline = window.indexOf(0x0a);
  if (newline === -1) {
    return data.length >= V1_MAX_BYTES ? invalid('a v1 header longer than 107 bytes') : INCOMPLETE;
  }
  if (newline === 0 || window[newline - 1] !== 0x0d) return invalid('a v1 header ends in CRLF');
  const line = Buffer.from(window.subarray(0, newline - 1)).toString('latin1');
  if (!/^[\x20-\x7e]*$/.test(line)) return invalid('a v1 header is printable ASCII');
  const length = newline + 1;
  const fields = line.split(' ');
  const protocol = fields[1];
  // Whatever follows UNKNOWN is ignored (spec 2.1).
  if (protocol === 'UNKNOWN') return { kind: 'local', version: 1, length };
  if (protocol !== 'TCP4' && protocol !== 'TCP6') {
    return invalid(`a v1 header for ${JSON.stringify(protocol)}`);
  }
  if (fields.length !== 6) return invalid('a v1 header has six fields, one space apart');
  const [, , sourceAddress, destinationAddress, sourcePort, destinationPort] = fields;
  const family = protocol === 'TCP4' ? 4 : 6;
  const source = v1Address(sourceAddress!, sourcePort!, family);
  const destination = v1Address(destinationAddress!, destinationPort!, family);
  if (!source || !destination) return invalid(`a v1 ${protocol} header with a bad address`);
  return { kind: 'proxied', version: 1, source, destination, length };
}

/** An address of the header's family and a port from 0 to 65535 without leading zeros. */
function v1Address(address: string, port: string, family: 4 | 6): ProxyAddress | undefined {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(port) || Number(port) > 65535) return undefined;
  if (family === 4) return net.isIPv4(address) ? { address, port: Number(port) } : undefined;
  // A zone (`%eth0`) names an interface of the balancer's machine, not of ours.
  if (!net.isIPv6(address) || address.includes('%')) return undefined;
  return { address: ipv6Text(address), port: Number(port) };
}

/** The binary header: 16 bytes, then `length` bytes of addresses and TLVs (skipped). */
function parseV2(data: Uint8Array): ParseResult {
  if (data.length < V2_FIXED_BYTES) return INCOMPLETE;
  const view = Buffer.from(data.buffer, data.byteOffset, data.length);
  const versionCommand = view[12]!;
  if (versionCommand >> 4 !== 2) return invalid('a v2 header of another version');
  const command = versionCommand & 0x0f;
  if (command > 1) return invalid('a v2 header with an unknown command');
  const family = view[13]! >> 4;
  const transport = view[13]! & 0x0f;
  if (family > AF_UNIX || transport > DGRAM) return invalid('a v2 header of an unknown family');
  const length = V2_FIXED_BYTES + view.readUInt16BE(14);
  if (data.length < length) return INCOMPLETE;
  // LOCAL: the balancer speaks for itself; any address block is ignored (spec 2.2).
  if (command === 0) return { kind: 'local', version: 2, length };
  if (transport === DGRAM) return invalid('a v2 header for a datagram on a stream');
  if (transport !== STREAM || (family !== AF_INET && family !== AF_INET6)) {
    return { kind: 'local', version: 2, length };
  }
  const size = family === AF_INET ? 4 : 16;
  if (length < V2_FIXED_BYTES + 2 * size + 4)
    return invalid('a v2 header too short for its family');
  const at = V2_FIXED_BYTES;
  const text = family === AF_INET ? ipv4FromBytes : ipv6FromBytes;
  const source = { address: text(view, at), port: view.readUInt16BE(at + 2 * size) };
  const destination = {
    address: text(view, at + size),
    port: view.readUInt16BE(at + 2 * size + 2),
  };
  return { kind: 'proxied', version: 2, source, destination, length };
}

function ipv4FromBytes(view: Buffer, at: number): string {
  return `${view[at]}.${view[at + 1]}.${view[at + 2]}.${view[at + 3]}`;
}

function ipv6FromBytes(view: Buffer, at: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(view.readUInt16BE(at + 2 * i).toString(16));
  return ipv6Text(groups.join(':'));
}

/** A connection that did not begin with a valid PROXY header in time; it has been closed. */
export class ProxyHeaderError extends Error {
  override name = 'ProxyHeaderError';
}

/** The endpoints of an accepted socket, as the socket knows them. */
export function socketEndpoints(socket: net.Socket): Endpoints {
  return {
    remoteAddress: plainAddress(socket.remoteAddress ?? ''),
    remotePort: socket.remotePort ?? 0,
    localAddress: plainAddress(socket.localAddress ?? ''),
    localPort: socket.localPort ?? 0,
  };
}

export interface ProxyHeaderOptions {
  /** How long the header may take to arrive, whole. */
  readonly timeoutMs: number;
  readonly clock: Clock;
}

/**
 * Reads a PROXY header (v1 or v2) off a socket just accepted, before anything else reads it, and
 * resolves the connection's real endpoints: the client's address and port and the address it
 * connected to, or the socket's own for `UNKNOWN` and `LOCAL`. The bytes after the header stay
 * in the socket (unshifted) for whoever reads it next, a reader or a TLS wrap; the socket is
 * left neither paused nor flowing. A socket that sends no valid header within `timeoutMs`, or
 * ends first, is destroyed, and the promise rejects with {@link ProxyHeaderError}.
 */
export function readProxyHeader(
  socket: net.Socket,
  options: ProxyHeaderOptions,
): Promise<Endpoints> {
  const own = socketEndpoints(socket);
  return new Promise((resolve, reject) => {
    let buffered: Buffer = Buffer.alloc(0);
    const stop = () => {
      options.clock.clearTimeout(timer);
      socket.off('readable', read);
      socket.off('end', ended);
      socket.off('close', ended);
      socket.off('error', failed);
    };
    const fail = (reason: string) => {
      stop();
      socket.destroy();
      reject(new ProxyHeaderError(reason));
    };
    const ended = () => fail('the connection closed before its PROXY header');
    const failed = (err: Error) =>
      fail(`the connection failed before its PROXY header: ${err.message}`);
    const read = () => {
      for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null;) {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        const header = parseProxyHeader(buffered);
        if (header.kind === 'incomplete') continue;
        if (header.kind === 'invalid') return fail(header.reason);
        stop();
        if (buffered.length > header.length) socket.unshift(buffered.subarray(header.length));
        return resolve(
          header.kind === 'local'
            ? own
            : {
                remoteAddress: header.source.address,
                remotePort: header.source.port,
                localAddress: header.destination.address,
                localPort: header.destination.port,
              },
        );
      }
    };
    const timer = options.clock
      .setTimeout(() => fail(`no PROXY header within ${options.timeoutMs} ms`), options.timeoutMs)
      .unref();
    socket.on('readable', read);
    socket.once('end', ended);
    socket.once('close', ended);
    socket.once('error', failed);
  });
}
