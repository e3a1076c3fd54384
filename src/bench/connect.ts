/**
 * A benchmark worker's clients and how they join: connections (TCP or TLS, a WebSocket on them
 * when the wire has one) opened in rounds, then a join on each, timed from the start of its
 * round.
 */
import net from 'node:net';
import tls from 'node:tls';
import { dialectOf, type Dialect } from './dialect.js';
import { HEADER_BYTES, nowMicros } from './payload.js';
import type { ClientPlan, WorkerPlan } from './plan.js';
import {
  FrameReader,
  OPCODE_CLOSE,
  OPCODE_PING,
  OPCODE_PONG,
  maskFrame,
  type FrameCallback,
} from './ws-frames.js';
import { Upgrade } from './ws-upgrade.js';

/** One benchmark client: a socket, and where it is in reading the stream. */
export interface Client {
  readonly plan: ClientPlan;
  socket: net.Socket;
  /** Next sequence number expected from each sender. */
  readonly next: Int32Array;
  /** A delivery cut by a read boundary: its bytes so far, from its `~` (receiver.ts). */
  readonly partial: Uint8Array;
  partialLength: number;
  /** The last room `seq` this client was delivered (rule 12.2); 0 before the first. */
  roomSeq: number;
  /** What the server granted this client (its `03`), when it asked for capabilities. */
  granted: string[] | undefined;
  joined: boolean;
  closedByServer: boolean;
  /** While joining: what to do with the bytes that arrive. */
  onJoinData: ((chunk: Buffer) => void) | undefined;
  /** What arrived between the connection's opening and the join (a Socket.IO server's hello). */
  early: string;
  /** On a WebSocket: its frames, read. */
  frames: FrameReader | undefined;
}

/**
 * A client not yet connected, for a run with `senders` senders in all, whose receiver keeps up
 * to `partialBytes` of a delivery cut by a read (receiver.ts, `Receiver.partialBytes`).
 */
export function newClient(
  plan: ClientPlan,
  senders: number,
  partialBytes: number = HEADER_BYTES,
): Client {
  return {
    plan,
    socket: undefined as unknown as net.Socket,
    next: new Int32Array(senders),
    partial: new Uint8Array(partialBytes),
    partialLength: 0,
    roomSeq: 0,
    granted: undefined,
    joined: false,
    closedByServer: false,
    onJoinData: undefined,
    early: '',
    frames: undefined,
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
 * One read buffer for every plain socket of this worker: reads are handled synchronously, so they
 * can share it, and Node skips allocating a buffer and emitting an event per read. (A TLS socket
 * reads into buffers of its own.)
 */
const readBuffer = Buffer.allocUnsafe(256 * 1024);

/** Hands a client's bytes on: payloads out of WebSocket frames, to the join or the receiver. */
function incoming(client: Client, chunk: Uint8Array, events: ClientEvents): void {
  // Once joined, the bytes are only scanned for deliveries: frame headers may stay.
  const bytes = (client.frames ? client.frames.read(chunk, client.joined) : chunk) as Buffer;
  if (bytes.length === 0) return;
  if (client.joined) events.data(client, bytes);
  else if (client.onJoinData) client.onJoinData(bytes);
  else client.early += bytes.toString('latin1');
}

/** What a server's frames other than data call for: a pong, or the end. */
function frameHandler(client: Client, dialect: Dialect): FrameCallback {
  return (opcode, payload) => {
    const socket = client.socket;
    if (opcode === OPCODE_PING) socket.write(maskFrame(payload, OPCODE_PONG));
    else if (opcode === OPCODE_CLOSE) socket.destroy();
    else if (dialect.engineIo && payload.length === 1 && payload[0] === 0x32) {
      // Engine.IO's ping ("2"): its pong is "3".
      socket.write(dialect.message('3'));
    }
  };
}

/**
 * Opens a client's connection (TCP or TLS; then the WebSocket upgrade when the wire has one);
 * resolves once it is ready for the join.
 */
function open(plan: WorkerPlan, client: Client, events: ClientEvents): Promise<void> {
  const target = plan.targets[client.plan.target]!;
  const wire = plan.wire;
  const dialect = dialectOf(wire);
  return new Promise((resolve, reject) => {
    const options: net.NetConnectOpts = { host: target.host, port: target.port, noDelay: true };
    if (client.plan.localAddress) options.localAddress = client.plan.localAddress;
    let socket: net.Socket;
    if (wire.tls) {
      const ca = wire.tls.ca;
      socket = tls.connect({
        ...options,
        ...(ca ? { ca } : { rejectUnauthorized: false }),
        // A name to check the certificate against; an IP address is checked as such.
        ...(net.isIP(target.host) ? {} : { servername: target.host }),
      });
      socket.on('data', (chunk: Buffer) => incoming(client, chunk, events));
    } else {
      socket = net.connect({
        ...options,
        onread: {
          buffer: readBuffer,
          callback: (bytes: number, buffer: Uint8Array) => {
            incoming(client, buffer.subarray(0, bytes), events);
            return true;
          },
        },
      });
    }
    client.socket = socket;
    const fail = (err: Error) => reject(new Error(`${client.plan.nickname}: ${err.message}`));
    socket.once(wire.tls ? 'secureConnect' : 'connect', () => {
      if (!dialect.path) return resolve();
      const upgrade = new Upgrade(target.host, target.port, dialect.path);
      client.onJoinData = (chunk) => {
        let rest;
        try {
          rest = upgrade.read(chunk);
        } catch (err) {
          socket.destroy();
          return fail(err as Error);
        }
        if (!rest) return;
        client.onJoinData = undefined;
        client.frames = new FrameReader(frameHandler(client, dialect), dialect.engineIo);
        resolve();
        if (rest.length > 0) incoming(client, rest, events);
      };
      socket.write(upgrade.request);
    });
    socket.on('error', fail);
    socket.on('close', () => events.close(client));
  });
}

/**
 * Joins on an open connection; resolves once the server said so, with the time since `started`
 * in microseconds. Answers that came before the join began are read with the rest.
 */
function register(plan: WorkerPlan, client: Client, started: number): Promise<number> {
  const dialect = dialectOf(plan.wire);
  const join = dialect.join(client.plan.nickname, plan.caps);
  return new Promise((resolve, reject) => {
    let answer = client.early;
    client.early = '';
    const timer = setTimeout(() => {
      client.socket.destroy();
      reject(
        new Error(
          `${client.plan.nickname}: no answer to joining within ${plan.connectTimeoutMs} ms`,
        ),
      );
    }, plan.connectTimeoutMs);
    const read = (chunk: Buffer | undefined) => {
      if (chunk) answer += chunk.toString('latin1');
      const step = join.step(answer);
      if (!step) return;
      if ('send' in step) return void client.socket.write(dialect.message(step.send));
      clearTimeout(timer);
      client.onJoinData = undefined;
      if ('joined' in step) {
        client.joined = true;
        client.granted = step.granted;
        resolve(nowMicros() - started);
      } else {
        client.socket.destroy();
        reject(new Error(refusal(client.plan.nickname, step.refused)));
      }
    };
    client.onJoinData = read;
    client.socket.on('close', () => {
      clearTimeout(timer);
      if (!client.joined) reject(new Error(`${client.plan.nickname}: closed before joining`));
    });
    client.socket.write(dialect.message(join.hello));
    if (answer) read(undefined);
  });
}

/**
 * Joins the clients in rounds of `connectConcurrency`: first every connection of the round is
 * opened, then every CONNECT is written at once. A server can then announce a whole round of
 * joiners to the room in one write per member, instead of one write per member per joiner.
 * Resolves with each join's time, the first failures, and what the server granted the first
 * client when the clients asked for capabilities; it stops after a round that failed.
 */
export async function joinAll(
  plan: WorkerPlan,
  clients: readonly Client[],
  events: ClientEvents,
): Promise<{ connectMicros: number[]; failures: string[]; granted: string[] | undefined }> {
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
  return {
    connectMicros,
    failures: failures.slice(0, 10),
    granted: clients.find((c) => c.joined)?.granted,
  };
}

/** A refused CONNECT in a sentence that says what to do; starts with `room full` for a full room. */
function refusal(nickname: string, answer: string): string {
  let reply: Record<string, unknown> = {};
  try {
    // The first message: up to a newline, or to where the next WebSocket message begins.
    reply = JSON.parse(answer.split(/\n|(?<=\})(?=\{)/)[0]!) as Record<string, unknown>;
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
