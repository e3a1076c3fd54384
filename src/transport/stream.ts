import type { Duplex } from 'node:stream';
import type { LinkInput } from '../server/link.js';

/**
 * Serves any duplex byte stream (a TCP or TLS socket, a Unix socket, a test pipe): the stream is
 * the connection's link as it is, and its events are fed to the connection's input. Requests
 * arrive as NDJSON (or back-to-back JSON) in the stream's chunks.
 */
export function attachStream(stream: Duplex, input: LinkInput): void {
  stream.on('data', (chunk: Buffer) => input.receive(chunk));
  stream.on('drain', () => input.drained());
  stream.on('end', () => input.inputEnded());
  stream.on('error', (err: NodeJS.ErrnoException) => input.failed(err));
  stream.on('close', () => input.closed());
}

/**
 * A stream whose client was refused (it has been told why): whatever the client sends is read
 * and dropped, never buffered, and the stream is destroyed as soon as the client closes its
 * side, so a refusal holds its descriptor and memory no longer than it must.
 */
export function discardInput(stream: Duplex): void {
  stream.on('error', () => undefined);
  stream.on('data', () => undefined);
  stream.on('end', () => stream.destroy());
}
