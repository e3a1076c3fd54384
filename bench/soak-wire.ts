/**
 * The soak run's parts that touch processes and sockets: the server under test as a child
 * process, a raw protocol client, and what /proc says about the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { FrameDecoder } from '../src/protocol/decoder.js';

const NATTER_BIN = fileURLToPath(new URL('../src/cli/natter.js', import.meta.url));

/** A raw protocol client: decoded messages to a callback, writes as given. */
export class Wire {
  readonly socket: net.Socket;
  closed = false;
  private readonly decoder: FrameDecoder;

  constructor(port: number, localAddress: string, onMessage: (m: Record<string, unknown>) => void) {
    this.socket = net.connect({ host: '127.0.0.1', port, localAddress, noDelay: true });
    this.decoder = new FrameDecoder(
      { maxFrameBytes: 1 << 20, maxDepth: 64 },
      { frame: onMessage, error: () => undefined },
    );
    this.socket.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => (this.closed = true));
  }

  connected(): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(false);
      this.socket.once('connect', () => resolve(true));
      this.socket.once('close', () => resolve(false));
    });
  }

  send(request: object | Uint8Array | string): void {
    if (this.closed) return;
    this.socket.write(
      request instanceof Uint8Array || typeof request === 'string'
        ? request
        : JSON.stringify(request) + '\n',
    );
  }

  closedPromise(): Promise<void> {
    return new Promise((resolve) => (this.closed ? resolve() : this.socket.once('close', resolve)));
  }
}

/** Reads the server process's resident set size, in MiB. */
export function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return line ? Number(line.replace(/\D+/g, '')) / 1024 : NaN;
}

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export async function startServer(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [NATTER_BIN, 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`server did not start: ${output}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${output}`)));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return { child, port };
}
