/**
 * A {@link Link} that keeps what is written to it, for unit tests of the write path and of
 * transports: each write is recorded, and the frames can be read back decoded.
 */
import type { Link } from '../src/server/link.js';

export class CaptureLink implements Link {
  /** Every write, in order (writes between cork and uncork are one entry). */
  readonly writes: Buffer[] = [];
  /** Bytes the test pretends are stuck in the transport. */
  writableLength = 0;
  private corked: Buffer[] | undefined;
  /** What `write` answers: false pretends the transport's buffer is full. */
  accepting = true;
  paused = false;
  ended = false;
  destroyed = false;
  destroyError: Error | undefined;
  /** Told once when the link closes (ended or destroyed), as a transport's close event. */
  onClosed: (() => void) | undefined;
  private closing = false;

  write(data: Uint8Array): boolean {
    if (this.corked) this.corked.push(Buffer.from(data));
    else this.writes.push(Buffer.from(data));
    return this.accepting;
  }

  cork(): void {
    this.corked ??= [];
  }

  uncork(): void {
    if (this.corked) this.writes.push(Buffer.concat(this.corked));
    this.corked = undefined;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  end(): void {
    this.ended = true;
    this.close();
  }

  destroy(error?: Error): void {
    this.destroyed = true;
    this.destroyError = error;
    this.close();
  }

  private close(): void {
    if (this.closing) return;
    this.closing = true;
    setImmediate(() => this.onClosed?.());
  }

  /** Everything written, as decoded messages (each write holds whole NDJSON frames). */
  get messages(): Record<string, unknown>[] {
    return Buffer.concat(this.writes)
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Forgets what was written so far. */
  clear(): void {
    this.writes.length = 0;
  }
}
