import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { connect, NatterError } from '../../src/index.js';
import { startServer } from '../helpers.js';

describe('client heartbeat (rule 3.9)', () => {
  it('keeps an idle client connected past twice its heartbeat', async (t) => {
    const server = await startServer(t);
    const client = await connect({
      host: '127.0.0.1',
      port: server.port,
      nickname: 'idle',
      heartbeatMs: 1000,
    });
    t.after(() => client.destroy());
    await new Promise((resolve) => setTimeout(resolve, 3500));
    assert.deepEqual(
      (await client.users()).map((u) => u.nickname),
      ['idle'],
    );
  });

  it('notices a server that stops answering and closes with ETIMEDOUT', async (t) => {
    // A server that accepts the CONNECT, then never says another word (a hung or dead host).
    const mute = net.createServer((socket) => {
      socket.once('data', (data) => {
        const { id } = JSON.parse(data.toString().split('\n')[0]!) as { id: number };
        socket.write(
          JSON.stringify({
            cmd: '03',
            serverAddress: ['127.0.0.1', 1],
            userCount: 1,
            caps: [],
            id,
          }) + '\n',
        );
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    t.after(() => mute.close());
    const port = (mute.address() as net.AddressInfo).port;
    const client = await connect({ host: '127.0.0.1', port, nickname: 'x', heartbeatMs: 1000 });
    const reason = await client.closed();
    assert.ok(reason instanceof NatterError);
    assert.equal(reason.code, 'ETIMEDOUT');
  });
});
