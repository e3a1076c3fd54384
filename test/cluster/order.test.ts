import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawClient, WAIT_MS, type Msg } from '../helpers.js';
import { startCluster } from './nodes.js';

/** Everything `client` received until `done` holds, or until WAIT_MS passed. */
async function collect(client: RawClient, done: (got: Msg[]) => boolean): Promise<Msg[]> {
  const got: Msg[] = [];
  const deadline = Date.now() + WAIT_MS;
  while (!done(got) && Date.now() < deadline) {
    const m = await client.next().catch(() => undefined);
    if (!m) break;
    got.push(m);
  }
  return got;
}

/**
 * A client cannot tell a cluster from one server (docs/protocol.md, 9.4, 9.5, 9.11): every
 * announcement reaches every member in the directory's order.
 */
describe('cluster: announcements in the directory order', () => {
  it('twelve racers over three nodes: each winner gets 03 first, then the later 8s in count order', async (t) => {
    const nodes = await startCluster(t, 3, { args: ['--max-users', '10'] });
    if (!nodes) return;
    const ports = nodes.map((n) => n.port);
    for (let round = 0; round < 4; round++) {
      const room = `race${round}`;
      const racers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => RawClient.open(t, ports[i % 3]!)),
      );
      racers.forEach((r, i) => r.send({ cmd: '0', nickname: `r${round}x${i}`, room }));
      const firsts = await Promise.all(racers.map((r) => r.next()));
      const winners = racers.filter((_, i) => firsts[i]!.cmd === '03');
      assert.equal(winners.length, 10, `round ${round}: ${JSON.stringify(firsts)}`);
      assert.ok(
        firsts.every((f) => f.cmd === '03' || f.cmd === '02'),
        `round ${round}: a racer's first message is its CONNECT answer`,
      );
      const counts = firsts.flatMap((f) => (f.cmd === '03' ? [f.userCount as number] : []));
      assert.deepEqual(
        [...counts].sort((a, b) => a - b),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      for (const [i, racer] of racers.entries()) {
        const first = firsts[i]!;
        if (first.cmd !== '03') continue;
        const k = first.userCount as number;
        const got = await collect(racer, (m) => m.length >= 10 - k);
        const seen = got.map((m) => `${m.cmd}:${String(m.userCount)}`);
        const expected = Array.from({ length: 10 - k }, (_, j) => `8:${k + j + 1}`);
        assert.deepEqual(seen, expected, `round ${round}: member #${k} on node ${i % 3}`);
      }
      for (const r of racers) r.close();
    }
  });

  it('joiners under chatter: every joiner’s first message is its 03, on every node', async (t) => {
    const nodes = await startCluster(t, 2, { args: ['--max-users', '1000'] });
    if (!nodes) return;
    const ports = nodes.map((n) => n.port);
    const talkers = await Promise.all(
      ports.map(async (port, i) => {
        const c = await RawClient.open(t, port);
        c.send({ cmd: '0', nickname: `talker${i}` });
        await c.expect('03');
        return c;
      }),
    );
    let talking = true;
    const chatter = (async () => {
      for (let i = 0; talking && i < 5000; i++) {
        talkers[i % 2]!.send({ cmd: '7', msg: `chat ${i}` });
        if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    try {
      const joiners = await Promise.all(
        Array.from({ length: 100 }, (_, i) => RawClient.open(t, ports[i % 2]!)),
      );
      joiners.forEach((j, i) => j.send({ cmd: '0', nickname: `joiner${i}` }));
      const firsts = await Promise.all(joiners.map((j) => j.next()));
      const wrong = firsts.filter((f) => f.cmd !== '03');
      assert.deepEqual(wrong, [], 'no room traffic before the CONNECT answer');
    } finally {
      talking = false;
      await chatter;
    }
  });
});
