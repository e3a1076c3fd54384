/**
 * A benchmark worker thread: opens its share of the clients, joins them, sends chats for its
 * senders and counts what its receivers get, without parsing JSON (see payload.ts).
 */
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { Histogram } from './histogram.js';
import {
  HEADER_BYTES,
  MARK,
  SENDER_DIGITS,
  SEQ_DIGITS,
  TIME_DIGITS,
  chatTemplate,
  nowMicros,
  readDigits,
  writeDigits,
} from './payload.js';
import type { ClientPlan, FromWorker, ToWorker, WorkerPlan, WorkerStats } from './plan.js';

const plan = workerData as WorkerPlan;
const port = parentPort!;
const post = (message: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

/** One benchmark client: a socket, and where it is in reading the stream. */
interface Client {
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

const senders = plan.senders;
const histogram = new Histogram();
const template = chatTemplate(plan.msgSize, true);
const frameBytes = template.frame.length;

let received = 0;
let deliveriesInWindow = 0;
let outOfOrder = 0;
/** Deliveries older than one already seen from the same sender: repeats, or late ones. */
let belated = 0;
let disconnects = 0;
/** Measurement window, in monotonic microseconds; deliveries are counted only inside it. */
let windowStart = Infinity;
let windowEnd = -Infinity;
let stopped = false;

const clients: Client[] = plan.clients.map((p) => ({
  plan: p,
  socket: undefined as unknown as net.Socket,
  next: new Int32Array(senders),
  partial: new Uint8Array(HEADER_BYTES),
  partialLength: 0,
  joined: false,
  closedByServer: false,
  onJoinData: undefined,
}));

// ---- Senders ----

/**
 * This worker's senders. Each has a witness: another client of this worker, whose receipt of
 * the sender's messages tells how many are still in flight.
 */
interface Sender {
  readonly client: Client;
  readonly index: number;
  readonly witness: Client | undefined;
  sent: number;
  /** Messages of this sender seen by the witness, to bound what is in flight. */
  witnessed: number;
}
const ownSenders: Sender[] = clients
  .filter((c) => c.plan.sender >= 0)
  .map((client) => ({
    client,
    index: client.plan.sender,
    witness: clients.find((c) => c !== client),
    sent: 0,
    witnessed: 0,
  }));
const senderBySlot: (Sender | undefined)[] = new Array(senders);
for (const s of ownSenders) senderBySlot[s.index] = s;
/** Set when a witness saw something: the window may have room again. */
let pumpDue = false;

/** Writes `count` chats for a sender, at most `plan.batch` per write. */
function sendBatch(sender: Sender, count: number): void {
  while (count > 0) {
    const n = Math.min(count, plan.batch);
    writeChats(sender, n);
    count -= n;
  }
}

function writeChats(sender: Sender, count: number): void {
  if (sender.client.socket.destroyed) return;
  const batch = new Uint8Array(frameBytes * count);
  const time = nowMicros();
  const at = template.mark + 1;
  for (let i = 0; i < count; i++) {
    const offset = i * frameBytes;
    batch.set(template.frame, offset);
    writeDigits(batch, offset + at, SENDER_DIGITS, sender.index);
    writeDigits(batch, offset + at + SENDER_DIGITS + 1, SEQ_DIGITS, sender.sent++);
    writeDigits(batch, offset + at + SENDER_DIGITS + SEQ_DIGITS + 2, TIME_DIGITS, time);
  }
  sender.client.socket.write(batch);
}

/** At rate 0: top every sender up to its window. */
function pump(): void {
  if (stopped) return;
  pumpDue = false;
  for (const sender of ownSenders) {
    // A worker whose only client is the sender has no witness: that sender runs open loop, one
    // window per chunk it receives.
    const inFlight = sender.witness ? sender.sent - sender.witnessed : 0;
    sendBatch(sender, plan.window - inFlight);
  }
}

let rateTimer: NodeJS.Timeout | undefined;

/** At a fixed rate: every tick, send what each sender owes by now. */
function startRate(startMicros: number): void {
  const perMicro = plan.rate / 1e6;
  rateTimer = setInterval(() => {
    if (stopped) return;
    const due = Math.floor((nowMicros() - startMicros) * perMicro);
    // A stall is not made up with a flood: at most 50 ms worth at once.
    const cap = Math.max(1, Math.ceil(plan.rate / 20));
    for (const sender of ownSenders) sendBatch(sender, Math.min(due - sender.sent, cap));
  }, 1);
}

// ---- Receivers ----

/**
 * Counts the deliveries in a chunk: finds each `~`, reads the sender, sequence and send time,
 * and checks the order. A header cut by the read boundary is finished from the next chunk.
 */
function onData(client: Client, chunk: Buffer): void {
  const now = nowMicros();
  let pos = 0;
  if (client.partialLength > 0) {
    const need = HEADER_BYTES - client.partialLength;
    if (chunk.length < need) {
      client.partial.set(chunk, client.partialLength);
      client.partialLength += chunk.length;
      return;
    }
    client.partial.set(chunk.subarray(0, need), client.partialLength);
    client.partialLength = 0;
    delivery(client, client.partial, 0, now);
    pos = need;
  }
  for (;;) {
    const at = chunk.indexOf(MARK, pos);
    if (at < 0) break;
    if (at + HEADER_BYTES > chunk.length) {
      client.partial.set(chunk.subarray(at), 0);
      client.partialLength = chunk.length - at;
      break;
    }
    delivery(client, chunk, at, now);
    pos = at + HEADER_BYTES;
  }
  if (pumpDue) pump();
}

function delivery(client: Client, buf: Uint8Array, at: number, now: number): void {
  const sender = readDigits(buf, at + 1, SENDER_DIGITS);
  const seq = readDigits(buf, at + 2 + SENDER_DIGITS, SEQ_DIGITS);
  if (!(sender < senders) || Number.isNaN(seq)) return; // not one of ours
  received++;
  const expected = client.next[sender]!;
  if (seq !== expected) outOfOrder++;
  if (seq < expected) belated++;
  if (seq >= expected) client.next[sender] = seq + 1;
  if (now >= windowStart && now <= windowEnd) {
    deliveriesInWindow++;
    const sentAt = readDigits(buf, at + 3 + SENDER_DIGITS + SEQ_DIGITS, TIME_DIGITS);
    if (sentAt >= windowStart) histogram.record(now - sentAt);
  }
  const own = senderBySlot[sender];
  if (own && own.witness === client) {
    own.witnessed++;
    if (plan.rate === 0) pumpDue = true;
  }
}

// ---- Joining ----

/**
 * One read buffer for every socket of this worker: reads are handled synchronously, so they can
 * share it, and Node skips allocating a buffer and emitting an event per read.
 */
const readBuffer = Buffer.allocUnsafe(256 * 1024);

/** Opens a client's TCP connection; resolves once connected. */
function open(client: Client): Promise<void> {
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
          if (client.joined) onData(client, chunk);
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
    socket.on('close', () => {
      if (client.joined && !stopped) {
        client.closedByServer = true;
        disconnects++;
      }
    });
  });
}

/**
 * Sends CONNECT on an open connection; resolves once the server answered `03`, with the time
 * since `started` in microseconds.
 */
function register(client: Client, started: number): Promise<number> {
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
        reject(new Error(`${client.plan.nickname}: CONNECT refused: ${answer.slice(0, 200)}`));
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
 */
async function joinAll(): Promise<void> {
  const connectMicros: number[] = [];
  const failures: string[] = [];
  for (let from = 0; from < clients.length; from += plan.connectConcurrency) {
    const round = clients.slice(from, from + plan.connectConcurrency);
    const started = nowMicros();
    const opened = await Promise.allSettled(round.map(open));
    const ready = round.filter((_, i) => opened[i]!.status === 'fulfilled');
    for (const result of opened)
      if (result.status === 'rejected') failures.push(String(result.reason));
    const joined = await Promise.allSettled(ready.map((c) => register(c, started)));
    for (const result of joined) {
      if (result.status === 'rejected') failures.push(String(result.reason));
      else connectMicros.push(result.value);
    }
    if (failures.length > 0) break;
  }
  post({ type: 'joined', connectMicros, failures: failures.slice(0, 10) });
}

// ---- Coordination ----

function finish(sent: number[]): void {
  const expectedFor = (client: Client) => {
    let total = 0;
    for (let s = 0; s < sent.length; s++) if (s !== client.plan.sender) total += sent[s]!;
    return total;
  };
  let expected = 0;
  for (const client of clients) expected += expectedFor(client);
  // Wait for the last deliveries: until all expected arrived or nothing arrived for 2 s.
  let last = received;
  let quietSince = Date.now();
  const check = setInterval(() => {
    if (received !== last) {
      last = received;
      quietSince = Date.now();
    }
    if (received >= expected || Date.now() - quietSince > 2000) {
      clearInterval(check);
      const stats: WorkerStats = {
        deliveriesInWindow,
        received,
        // A repeat must not hide a loss: only deliveries that moved a sender forward count.
        lost: Math.max(0, expected - (received - belated)),
        outOfOrder,
        latency: histogram.counts,
        latencyMax: histogram.max,
        disconnects,
      };
      post({ type: 'done', stats }, [histogram.counts.buffer as ArrayBuffer]);
    }
  }, 20);
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'start': {
      windowStart = message.warmupEnd;
      windowEnd = message.stop;
      const startedAt = nowMicros();
      if (plan.rate > 0) startRate(startedAt);
      else pump();
      setTimeout(
        () => {
          stopped = true;
          clearInterval(rateTimer);
          post({ type: 'sent', sent: ownSenders.map((s) => [s.index, s.sent]) });
        },
        Math.max(0, (message.stop - startedAt) / 1000),
      );
      return;
    }
    case 'expect':
      return finish(message.sent);
    case 'close':
      for (const client of clients) client.socket?.destroy();
      port.close();
      return;
  }
});

joinAll().catch((err: unknown) => post({ type: 'error', message: String(err) }));
