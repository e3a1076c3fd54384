/**
 * The load generator's WebSocket opening handshake (RFC 6455, section 4): the upgrade request,
 * and the server's answer checked (101, and the accept key that proves it read ours).
 */
import { createHash, randomBytes } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const END_OF_HEADERS = Buffer.from('\r\n\r\n');

/** An upgrade under way: the request to send, then the answer read chunk by chunk. */
export class Upgrade {
  readonly request: string;
  private readonly accept: string;
  private answer = Buffer.alloc(0);

  constructor(host: string, port: number, path: string) {
    const key = randomBytes(16).toString('base64');
    this.accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    this.request =
      `GET ${path} HTTP/1.1\r\nHost: ${authority}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
  }

  /**
   * Reads a chunk of the answer: undefined while its headers are incomplete, then the bytes that
   * came after them (the first frames). Throws when the server did not upgrade.
   */
  read(chunk: Uint8Array): Uint8Array | undefined {
    this.answer = Buffer.concat([this.answer, chunk]);
    const end = this.answer.indexOf(END_OF_HEADERS);
    if (end < 0) {
      if (this.answer.length > 16 * 1024) throw new Error('an endless answer to the upgrade');
      return undefined;
    }
    const lines = this.answer.subarray(0, end).toString('latin1').split('\r\n');
    if (!/^HTTP\/1\.1 101 /.test(lines[0]!))
      throw new Error(`the server did not upgrade to WebSocket: ${lines[0]}`);
    const accept = lines
      .map((line) => /^sec-websocket-accept:\s*(\S+)/i.exec(line)?.[1])
      .find((v) => v !== undefined);
    if (accept !== this.accept) throw new Error('the server answered the upgrade with a wrong key');
    // The answer is a copy of what was read: a read buffer's next read does not overwrite it.
    return this.answer.subarray(end + END_OF_HEADERS.length);
  }
}
