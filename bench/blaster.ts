/**
 * A trivial chat server for measuring the load generator itself: it answers CONNECT, then writes
 * pre-encoded deliveries to every client as fast as the sockets take them, without reading a
 * thing. Whatever `natter bench` reports against it is the generator's own ceiling.
 * Run: `node dist/bench/blaster.js PORT`.
 */
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

export function startBlaster(port: number, host = '127.0.0.1'): Promise<net.Server> {
  const head = '{"cmd":"70","from":"blaster","msg":"';
  const template = Buffer.from(
    head + '~' + '0'.repeat(HEADER_BYTES - 1) + 'x'.repeat(64 - HEADER_BYTES) + '"}\n',
  );
  const mark = head.length;
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
      const batch = Buffer.allocUnsafe(template.length * BATCH);
      const time = nowMicros();
      for (let i = 0; i < BATCH; i++) {
        const at = i * template.length;
        template.copy(batch, at);
        writeDigits(batch, at + mark + 1, SENDER_DIGITS, 0);
        writeDigits(batch, at + mark + 2 + SENDER_DIGITS, SEQ_DIGITS, seq++);
        writeDigits(batch, at + mark + 3 + SENDER_DIGITS + SEQ_DIGITS, TIME_DIGITS, time);
      }
      for (const socket of clients) socket.write(batch);
    }
    running = true;
    setImmediate(blast);
  };

  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => undefined);
    socket.on('close', () => clients.delete(socket));
    socket.once('data', () => {
      socket.write('{"cmd":"03","serverAddress":["127.0.0.1",0],"userCount":1}\n');
      socket.resume();
      // A client that joins mid-stream starts at a later sequence number: the generator counts
      // that once as out of order. The ceiling measurement only reads deliveries per second.
      clients.add(socket);
      if (!running) {
        running = true;
        setImmediate(blast);
      }
    });
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.argv[2] ?? 20999);
  void startBlaster(port).then(() =>
    process.stdout.write(`blaster listening on 127.0.0.1:${port}\n`),
  );
}
