/**
 * A benchmark worker's clients and how they join: TCP connections opened in rounds, then a
 * CONNECT on each, timed from the start of its round.
 */
import net from 'node:net';
import { HEADER_BYTES, nowMicros } from './payload.js';
import type { ClientPlan, WorkerPlan } from './plan.js';

/** One benchmark client: a socket, and where it is in reading the stream. */
export interface Client {
  readonly plan: ClientPlan;
  socket: net.Socket;
  /** Next sequence number expected from each sender. */
  readonly next: Int32Array;
  /** A header cut by a read boundary: its bytes so far. */
  readonly partial: Uint8Array;
  partialLength: number;
  joined: boolean;
  closedByServer: boolean;
  /** While joining: what to do with the bytes that arrive. */
  onJoinData: ((chunk: Buffer) => void) | undefined;
}

/** A client not yet connected, for a run with `senders` senders in all. */
export function newClient(plan: ClientPlan, senders: number): Client {
  return {
    plan,
    socket: undefined as unknown as net.Socket,
    next: new Int32Array(senders),
    partial: new Uint8Array(HEADER_BYTES),
    partialLength: 0,
    joined: false,
    closedByServer: false,
    onJoinData: undefined,
  };
}

/** What becomes of a client's socket after it joined. */
export interface ClientEvents {
  /** Bytes arrived for a joined client. */
  data(client: Client, chunk: Buffer): void;
  /** The client's connection closed, joined or not. */
  close(client: Client): void;
}

/**
 * One read buffer for every socket of this worker: reads are handled synchronously, so they can
 * share it, and Node skips allocating a buffer and emitting an event per read.
 */
const readBuffer = Buffer.allocUnsafe(256 * 1024);

/** Opens a client's TCP connection; resolves once connected. */
function open(plan: WorkerPlan, client: Client, events: ClientEvents): Promise<void> {
  const target = plan.targets[client.plan.target]!;
  return new Promise((resolve, reject) => {
    const options: net.NetConnectOpts = {
      host: target.host,
      port: target.port,
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback: (bytes: number, buffer: Uint8Array) => {
          const chunk = buffer.subarray(0, bytes) as Buffer;
          if (client.joined) events.data(client, chunk);
          else client.onJoinData?.(chunk);
          return true;
        },
      },
    };
    if (client.plan.localAddress) options.localAddress = client.plan.localAddress;
    const socket = net.connect(options);
    client.socket = socket;
    socket.once('connect', () => resolve());
    socket.on('error', (err) => reject(new Error(`${client.plan.nickname}: ${err.message}`)));
    socket.on('close', () => events.close(client));
  });
}

/**
 * Sends CONNECT on an open connection; resolves once the server answered `03`, with the time
 * since `started` in microseconds.
 */
function register(plan: WorkerPlan, client: Client, started: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const timer = setTimeout(() => {
      client.socket.destroy();
      reject(
        new Error(
          `${client.plan.nickname}: no answer to CONNECT within ${plan.connectTimeoutMs} ms`,
        ),
      );
    }, plan.connectTimeoutMs);
    client.onJoinData = (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.includes('"03"')) {
        clearTimeout(timer);
        client.joined = true;
        client.onJoinData = undefined;
        resolve(nowMicros() - started);
      } else if (answer.includes('"01"') || answer.includes('"02"') || answer.includes('"9')) {
        clearTimeout(timer);
        client.socket.destroy();
        reject(new Error(refusal(client.plan.nickname, answer)));
      }
    };
    client.socket.on('close', () => {
      clearTimeout(timer);
      if (!client.joined) reject(new Error(`${client.plan.nickname}: closed before joining`));
    });
    client.socket.write(JSON.stringify({ cmd: '0', nickname: client.plan.nickname }) + '\n');
  });
}

/**
 * Joins the clients in rounds of `connectConcurrency`: first every connection of the round is
 * opened, then every CONNECT is written at once. A server can then announce a whole round of
 * joiners to the room in one write per member, instead of one write per member per joiner.
 * Resolves with each join's time and the first failures; it stops after a round that failed.
 */
export async function joinAll(
  plan: WorkerPlan,
  clients: readonly Client[],
  events: ClientEvents,
): Promise<{ connectMicros: number[]; failures: string[] }> {
  const connectMicros: number[] = [];
  const failures: string[] = [];
  for (let from = 0; from < clients.length; from += plan.connectConcurrency) {
    const round = clients.slice(from, from + plan.connectConcurrency);
    const started = nowMicros();
    const opened = await Promise.allSettled(round.map((c) => open(plan, c, events)));
    const ready = round.filter((_, i) => opened[i]!.status === 'fulfilled');
    for (const result of opened)
      if (result.status === 'rejected') failures.push(String(result.reason));
    const joined = await Promise.allSettled(ready.map((c) => register(plan, c, started)));
    for (const result of joined) {
      if (result.status === 'rejected') failures.push(String(result.reason));
      else connectMicros.push(result.value);
    }
    if (failures.length > 0) break;
  }
  return { connectMicros, failures: failures.slice(0, 10) };
}

/** A refused CONNECT in a sentence that says what to do; starts with `room full` for a full room. */
function refusal(nickname: string, answer: string): string {
  let reply: Record<string, unknown> = {};
  try {
    reply = JSON.parse(answer.split('\n')[0]!) as Record<string, unknown>;
  } catch {
    // Not JSON: quoted as it came.
  }
  if (reply.cmd === '02') return 'room full';
  if (reply.cmd === '01') {
    return `the nickname ${nickname} is taken: is another natter bench running against this server?`;
  }
  const reason = typeof reply.reason === 'string' ? reply.reason : answer.slice(0, 200);
  if (reply.cmd === '921' || reply.cmd === '922') {
    return (
      `the server refused a connection (${reason}): start it with --exempt-address 127.0.0.1, or ` +
      'let the generator use more source addresses (leave out --no-spread)'
    );
  }
  return `the server refused ${nickname}: ${reason}`;
}
