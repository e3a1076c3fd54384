import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { hostileFrame, prng, randomChunks, type Random } from '../../bench/hostile.js';
import type { ChatServer } from '../../src/index.js';
import { eventually, join, joinAll, startServer } from '../helpers.js';

const GOOD = ['good0', 'good1', 'good2', 'good3'];
const PER_GOOD = 150;

/** One fuzzing connection: sends hostile frames, sometimes resets or hangs up mid-frame. */
async function fuzzOnce(server: ChatServer, rand: Random, frames: number): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port: server.port });
  socket.on('error', () => undefined);
  socket.on('data', () => undefined); // read and discard whatever the server answers
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('close', resolve);
  });
  if (rand() < 0.5)
    socket.write(JSON.stringify({ cmd: '0', nickname: `fz${Math.floor(rand() * 1e9)}` }));
  for (let i = 0; i < frames && !socket.destroyed; i++) {
    for (const chunk of randomChunks(rand, hostileFrame(rand))) socket.write(chunk);
    if (rand() < 0.3) await new Promise((resolve) => setImmediate(resolve));
  }
  const ending = rand();
  if (ending < 0.3) socket.resetAndDestroy();
  else if (ending < 0.6) socket.end('{"cmd":"7","msg":"cut off in the mid');
  else socket.destroy();
}

describe('protocol fuzzer against a live server', () => {
  it('well-behaved clients get every message, in order, while hostile ones throw garbage', async (t) => {
    const server = await startServer(t, { maxUsers: 500, logLevel: 'silent' });
    const good = await joinAll(t, server, GOOD);
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1e9);
    t.diagnostic(`fuzz seed ${seed} (FUZZ_SEED=${seed} replays it)`);
    const rand = prng(seed);

    const fuzzers = Array.from({ length: 8 }, async (_, f) => {
      const own = prng(Math.floor(rand() * 2 ** 32) + f);
      for (let round = 0; round < 6; round++) await fuzzOnce(server, own, 40);
    });

    const chatting = good.map(async (client, n) => {
      for (let i = 0; i < PER_GOOD; i++) {
        client.send({ cmd: '7', msg: `good:${n}:${i}` });
        if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
    });

    // Every good client must see every other good client's messages, complete and in order.
    const checking = good.map(async (client, n) => {
      const next = GOOD.map(() => 0);
      let missing = PER_GOOD * (GOOD.length - 1);
      while (missing > 0) {
        const m = await client.next();
        if (m.cmd !== '70' || !GOOD.includes(String(m.from))) continue; // fuzzers' noise
        const [, sender, seq] = String(m.msg).split(':');
        const s = Number(sender);
        assert.notEqual(s, n, 'no echo of its own messages');
        assert.equal(Number(seq), next[s], `order of ${GOOD[s]}'s messages at ${GOOD[n]}`);
        next[s]!++;
        missing--;
      }
    });

    await Promise.all([...fuzzers, ...chatting, ...checking]);
    // The server is still whole: the good members are all there, a newcomer is served.
    await eventually(() => server.connectionCount === GOOD.length, 'the fuzzers to be gone');
    const newcomer = await join(t, server, 'newcomer');
    newcomer.send({ cmd: '1' });
    const rows = (await newcomer.expect('10')).users as unknown[][];
    assert.deepEqual(rows.map((r) => r[0]).slice(0, GOOD.length), GOOD);
  });
});
