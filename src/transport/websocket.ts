import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Link, LinkInput } from '../server/link.js';
import { textFrames } from './text-frames.js';

/** Bytes queued in a WebSocket above which its writer waits for a drain (as a socket's mark). */
const HIGH_WATER = 64 * 1024;

/**
 * A WebSocket as a connection's link (docs/DEVELOPING.md, "Transports"): each frame the core
 * writes goes out as one text message, without its newline, and each message the client sends
 * is one request. The same limits, timeouts, flood control and slow-consumer rules apply as on
 * TCP: the core sees the bytes not yet sent (`bufferedAmount`) and the drains, as on a socket.
 *
 * The messages of one write go out in one write to the connection under the WebSocket, framed
 * here (`textFrames`) rather than by `ws.send`, which makes a system call per message: a member
 * sent a turn's hundreds of room messages costs one write, as on TCP. `ws` writes its own frames
 * (close, pong) at once too, so frames are never interleaved.
 */
export class WebSocketLink implements Link {
  private input: LinkInput | undefined;
  /** The writer waits for a drain: tell it once the queue is below the mark. */
  private waiting = false;

  /** @param socket the connection under `ws` */
  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
  ) {}

  /** Feeds the socket's messages and events to `input`, the server's side of the connection. */
  attach(input: LinkInput): void {
    this.input = input;
    const ws = this.ws;
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => input.receiveMessage(bytes(data)));
    ws.on('error', (err: NodeJS.ErrnoException) => input.failed(err));
    this.socket.on('drain', this.sent);
    ws.on('close', (code: number) => {
      // 1006: the connection broke without a closing handshake, as a reset does on TCP.
      if (code === 1006)
        input.failed(Object.assign(new Error('abnormal closure'), { code: 'ECONNRESET' }));
      else input.inputEnded();
      input.closed();
    });
  }

  write(data: Uint8Array): boolean {
    // After a close frame nothing more may follow (ws.send drops it too).
    if (this.ws.readyState === this.ws.OPEN) this.socket.write(textFrames(data));
    const below = this.ws.bufferedAmount < HIGH_WATER;
    if (!below) this.waiting = true;
    return below;
  }

  /** The connection took what was queued: a drain, if the writer waits for one. */
  private readonly sent = (): void => {
    if (this.waiting && this.ws.bufferedAmount < HIGH_WATER) {
      this.waiting = false;
      this.input?.drained();
    }
  };

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  get writableLength(): number {
    return this.ws.bufferedAmount;
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  end(): void {
    this.ws.close(1000);
  }

  destroy(): void {
    this.ws.terminate();
  }

  get destroyed(): boolean {
    return this.ws.readyState === this.ws.CLOSED || this.ws.readyState === this.ws.CLOSING;
  }
}

function bytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
