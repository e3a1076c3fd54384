/**
 * A server played by the test, one frame at a time, on the other end of a {@link ClientStream}:
 * the test reads what the client wrote and says exactly what the server answers, and when. For
 * the orderings a real server only produces by chance (a chat delivered while a HISTORY page is
 * on its way, an acknowledgement lost with its connection).
 */
import type { ClientStream } from '../../src/client/stream.js';
import { WAIT_MS } from '../helpers.js';

export type Frame = Record<string, unknown> & { cmd: string };

export class ScriptedStream implements ClientStream {
  /** Frames the client wrote and the test has not read yet. */
  readonly written: Frame[] = [];
  closed = false;
  private readonly listeners = {
    data: [] as ((chunk: Uint8Array) => void)[],
    error: [] as ((err: Error & { code?: string }) => void)[],
    close: [] as (() => void)[],
  };
  private readonly encoder = new TextEncoder();

  write(frame: string, done?: (err?: Error | null) => void): boolean {
    if (this.closed) {
      done?.(new Error('closed'));
      return false;
    }
    for (const line of frame.split('\n'))
      if (line.trim() !== '') this.written.push(JSON.parse(line));
    done?.(null);
    return true;
  }

  /** The client closes its side (after EXIT): the server closes the connection. */
  end(): void {
    this.close();
  }

  destroy(): void {
    this.close();
  }

  on(event: 'data', listener: (chunk: Uint8Array) => void): this;
  on(event: 'error', listener: (err: Error & { code?: string }) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: 'data' | 'error' | 'close', listener: (arg: never) => void): this {
    (this.listeners[event] as unknown[]).push(listener);
    return this;
  }

  /** The server sends these messages, in one read. */
  send(...messages: object[]): void {
    const text = messages.map((m) => JSON.stringify(m) + '\n').join('');
    for (const listener of this.listeners.data) listener(this.encoder.encode(text));
  }

  /** The connection ends, as a socket's does: in a later turn, with an error if given. */
  close(error?: string): void {
    if (this.closed) return;
    this.closed = true;
    setImmediate(() => {
      if (error !== undefined) {
        const err = Object.assign(new Error(error), { code: 'ECONNRESET' });
        for (const listener of this.listeners.error) listener(err);
      }
      for (const listener of this.listeners.close) listener();
    });
  }

  /** The next frame the client wrote, which must have code `cmd`; fails after WAIT_MS. */
  async next(cmd: string): Promise<Frame> {
    const deadline = Date.now() + WAIT_MS;
    while (this.written.length === 0) {
      if (Date.now() > deadline) throw new Error(`the client wrote no ${cmd}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const frame = this.written.shift()!;
    if (frame.cmd !== cmd)
      throw new Error(`expected ${cmd} from the client, got ${JSON.stringify(frame)}`);
    return frame;
  }

  /** Answers the client's CONNECT as a Natter server that grants `caps`. */
  async welcome(caps: string[] = ['whisper', 'history'], room = 'lobby'): Promise<Frame> {
    const connect = await this.next('0');
    this.send({
      cmd: '03',
      serverAddress: ['127.0.0.1', 1],
      userCount: 2,
      room,
      caps,
      server: 'natter/0.0.0',
      limits: { maxFrameBytes: 65536, maxMessageLength: 5000 },
      id: connect.id,
    });
    return connect;
  }
}

/** A `70` as a history client gets it. */
export function chat70(seq: number, from: string, msg: string): object {
  return { cmd: '70', from, msg, seq, ts: 1_000_000 + seq };
}

/** A `140` answering `request`. */
export function page(
  request: Frame,
  messages: [seq: number, from: string, msg: string][],
  more = false,
  gap = false,
): object {
  return {
    cmd: '140',
    room: 'lobby',
    messages: messages.map(([seq, from, msg]) => ({ seq, ts: 1_000_000 + seq, from, msg })),
    more,
    gap,
    id: request.id,
  };
}
