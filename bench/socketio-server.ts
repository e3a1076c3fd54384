/**
 * A minimal Socket.IO chat server, measured beside Natter by `npm run bench` (the `socketio`
 * rows): one room; a client emits `join` with its nickname and is acknowledged with the room's
 * count; a `chat` is broadcast to the others as `{ from, msg }`, as Natter's `70` carries them.
 * WebSocket only (no long-polling), no compression: the same terms as Natter's `/ws`.
 *
 *   node dist/bench/socketio-server.js [PORT] [HOST]     (defaults: 0, a free port; 127.0.0.1)
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2] ?? 0);
const host = process.argv[3] ?? '127.0.0.1';
const ROOM = 'lobby';

const http = createServer();
const io = new Server(http, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  // The largest message it reads, as Natter's default frame limit.
  maxHttpBufferSize: 64 * 1024,
});

io.on('connection', (socket) => {
  let nickname: string | undefined;
  socket.on('join', (name: unknown, ack: unknown) => {
    if (typeof name !== 'string' || nickname !== undefined) return;
    nickname = name;
    void socket.join(ROOM);
    if (typeof ack === 'function') ack(io.sockets.adapter.rooms.get(ROOM)?.size ?? 0);
  });
  socket.on('chat', (msg: unknown) => {
    if (nickname === undefined || typeof msg !== 'string') return;
    socket.to(ROOM).emit('chat', { from: nickname, msg });
  });
});

http.listen(port, host, () => {
  const address = http.address() as { port: number };
  process.stdout.write(`socket.io chat server listening on ${host}:${address.port}\n`);
});

const stop = () => {
  void io.close();
  http.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
