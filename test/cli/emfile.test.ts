import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { RawClient, WAIT_MS } from '../helpers.js';
import { NATTER_BIN, run, tempDataDir } from './process.js';

/** Tries to connect and join; resolves with the client, or undefined if the server refused. */
async function tryJoin(port: number, nickname: string): Promise<RawClient | undefined> {
  const socket = net.connect({ host: '127.0.0.1', port });
  const connected = await new Promise<boolean>((resolve) => {
    socket.once('connect', () => resolve(true));
    socket.once('error', () => resolve(false));
  });
  if (!connected) return undefined;
  const client = new RawClient(socket);
  client.send({ cmd: '0', nickname });
  const answer = await client.next().catch(() => undefined);
  if (answer?.cmd === '03') return client;
  socket.destroy();
  return undefined;
}

describe('running out of file descriptors (rule 3.13)', () => {
  it('keeps serving existing connections, refuses new ones, and recovers', async (t) => {
    // The server may hold only 80 descriptors, about 50 connections after Node's own.
    const server = run(t, 'prlimit', [
      '--nofile=80',
      '--',
      process.execPath,
      NATTER_BIN,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--max-users',
      '1000',
      '--no-history',
      // Bans are kept even without history: a data directory of its own.
      '--data-dir',
      tempDataDir(t),
    ]);
    const port = Number((await server.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
    const members: RawClient[] = [];
    t.after(() => members.forEach((m) => m.close()));
    for (let i = 0; i < 200; i++) {
      const client = await tryJoin(port, `m${i}`);
      if (!client) break;
      members.push(client);
    }
    assert.ok(members.length > 10 && members.length < 200, `${members.length} joined`);
    await server.waitFor(/out of file descriptors/, 'stderr');

    // Existing members still talk to each other. (Reading everything queued so far first.)
    members.forEach((m) => (m.messages.length = 0));
    members[0]!.send({ cmd: '7', msg: 'still here' });
    for (const m of members.slice(1))
      assert.deepEqual(await m.expect('70'), { cmd: '70', from: 'm0', msg: 'still here' });

    // Free some descriptors: new clients are accepted again.
    for (const m of members.splice(0, 10)) m.close();
    let late: RawClient | undefined;
    const deadline = Date.now() + WAIT_MS * 2;
    while (!late && Date.now() < deadline) {
      late = await tryJoin(port, 'late');
      if (!late) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(late, 'a new client joins once descriptors are free');
    members.push(late);
    await server.waitFor(/file descriptors available again/, 'stderr');
    server.proc.kill('SIGTERM');
    assert.equal(await server.exitCode(), 0);
  });
});
