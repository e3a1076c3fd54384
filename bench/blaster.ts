/**
 * A trivial chat server for measuring the load generator itself: it answers CONNECT, then writes
 * pre-encoded deliveries to every client as fast as the sockets take them, without reading a
 * thing. Whatever `natter bench` reports against it is the generator's own ceiling.
 * With `ws` it speaks WebSocket instead (as Natter's `/ws`: an upgrade, then a text frame per
 * message), for the generator's ceiling over WebSocket (`natter bench --ws`). With `history`
 * every delivery ends with a room seq and a ts, as a history client gets them (docs/protocol.md,
 * rule 12.2), for the generator's ceiling with `--caps history` (TCP only).
 * Run: `node dist/bench/blaster.js PORT [ws | history]`.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  HEADER_BYTES,
  SENDER_DIGITS,
  SEQ_DIGITS,
  TIME_DIGITS,
  nowMicros,
  writeDigits,
} from '../src/bench/payload.js';

/** Frames per write. */
const BATCH = 256;

/** A message as the wire carries it: a line, or an unmasked text frame (under 126 bytes). */
const framed = (text: string, websocket: boolean) =>
  websocket ? Buffer.concat([Buffer.from([0x81, text.length]), Buffer.from(text)]) : text + '\n';

/**
 * Answers a WebSocket upgrade once its request is in; then `joined` on the client's first frame.
 */
function upgradeThen(socket: net.Socket, joined: () => void): void {
  let request = '';
  const onData = (chunk: Buffer) => {
    request += chunk.toString('latin1');
    if (!request.includes('\r\n\r\n')) return;
    socket.off('data', onData);
    const key = /sec-websocket-key:\s*(\S+)/i.exec(request)?.[1] ?? '';
    const accept = createHash('sha1')
      .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
      .digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    socket.once('data', joined);
  };
  socket.on('data', onData);
}

export function startBlaster(
  port: number,
  host = '127.0.0.1',
  websocket = false,
  history = false,
): Promise<net.Server> {
  if (websocket && history) throw new Error('the blaster numbers deliveries over TCP only');
  const head = '{"cmd":"70","from":"blaster","msg":"';
  const body = head + '~' + '0'.repeat(HEADER_BYTES - 1) + 'x'.repeat(64 - HEADER_BYTES) + '"}';
  const template = Buffer.from(framed(body, websocket));
  // Numbered: the frame without its `}\n`, then `,"seq":S,"ts":T}\n`.
  const open = template.subarray(0, template.length - 2);
  const ts = Date.now();
  const mark = head.length + (websocket ? 2 : 0);
  template[mark + 1 + SENDER_DIGITS] = 0x3a;
  template[mark + 2 + SENDER_DIGITS + SEQ_DIGITS] = 0x3a;
  template[mark + 3 + SENDER_DIGITS + SEQ_DIGITS + TIME_DIGITS] = 0x3a;

  // Every client gets the same batches, as members of one room would: one buffer per batch,
  // written to every socket, so the blaster spends almost nothing per delivery.
  const clients = new Set<net.Socket>();
  let seq = 0;
  let running = false;
  const blast = () => {
    running = false;
    if (clients.size === 0) return;
    let backlog = 0;
    for (const socket of clients) backlog = Math.max(backlog, socket.writableLength);
    if (backlog < 1 << 20) {
      const batch = Buffer.allocUnsafe((template.length + (history ? 40 : 0)) * BATCH);
      const time = nowMicros();
      let at = 0;
      for (let i = 0; i < BATCH; i++) {
        const frame = history ? open : template;
        frame.copy(batch, at);
        writeDigits(batch, at + mark + 1, SENDER_DIGITS, 0);
        writeDigits(batch, at + mark + 2 + SENDER_DIGITS, SEQ_DIGITS, seq);
        writeDigits(batch, at + mark + 3 + SENDER_DIGITS + SEQ_DIGITS, TIME_DIGITS, time);
        at += frame.length;
        // The room seq: one more than the last, from 1.
        if (history) at += batch.write(`,"seq":${seq + 1},"ts":${ts}}\n`, at, 'latin1');
        seq++;
      }
      const out = batch.subarray(0, at);
      for (const socket of clients) socket.write(out);
    }
    running = true;
    setImmediate(blast);
  };

  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => undefined);
    socket.on('close', () => clients.delete(socket));
    const joined = () => {
      const caps = history ? ',"caps":["history"]' : '';
      socket.write(
        framed(`{"cmd":"03","serverAddress":["127.0.0.1",0],"userCount":1${caps}}`, websocket),
      );
      socket.resume();
      // A client that joins mid-stream starts at a later sequence number: the generator counts
      // that once as out of order. The ceiling measurement only reads deliveries per second.
      clients.add(socket);
      if (!running) {
        running = true;
        setImmediate(blast);
      }
    };
    if (websocket) upgradeThen(socket, joined);
    else socket.once('data', joined);
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.argv[2] ?? 20999);
  const mode = process.argv[3];
  void startBlaster(port, '127.0.0.1', mode === 'ws', mode === 'history').then(() =>
    process.stdout.write(`blaster listening on 127.0.0.1:${port}\n`),
  );
}
