import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawClient, join, type Msg } from '../helpers.js';
import { startCluster } from './nodes.js';

/** Reads a client's messages until `count` of `cmd` arrived (bounded by the helpers' wait). */
async function collect(client: RawClient, cmd: string, count: number): Promise<Msg[]> {
  const got: Msg[] = [];
  while (got.length < count) {
    const m = await client.next(`${count} x ${cmd}`);
    if (m.cmd === cmd) got.push(m);
  }
  return got;
}

describe('cluster: nodes that die or leave', () => {
  it('a node killed without warning leaves no ghosts: one 30 per vanished member, names free', async (t) => {
    const nodes = await startCluster(t, 3);
    if (!nodes) return;
    const [n1, n2, n3] = nodes.map((n) => n.port) as [number, number, number];
    const watcher1 = await join(t, n1, 'watcher1');
    const watcher3 = await join(t, n3, 'watcher3');
    const victims = [
      await join(t, n2, 'victim1'),
      await join(t, n2, 'victim2'),
      await join(t, n2, 'victim3'),
    ];
    assert.equal(victims.length, 3);
    await collect(watcher1, '8', 4);
    await collect(watcher3, '8', 3);

    nodes[1]!.child.proc.kill('SIGKILL');
    // Detection takes the heartbeat's lifetime (3 s) plus a beat; the helpers wait up to 5 s
    // per message, well within the 10 s the cluster promises.
    for (const watcher of [watcher1, watcher3]) {
      const departures = await collect(watcher, '30', 3);
      assert.deepEqual(departures.map((d) => d.nickname).sort(), ['victim1', 'victim2', 'victim3']);
      assert.deepEqual(departures.map((d) => d.userCount).sort(), [2, 3, 4]);
      await watcher.expectQuiet(); // exactly one each: no second 30 from another node's reaping
    }
    watcher1.send({ cmd: '1' });
    assert.deepEqual(
      ((await watcher1.expect('10')).users as unknown[][]).map((u) => u[0]),
      ['watcher1', 'watcher3'],
    );
    watcher3.send({ cmd: '1' });
    assert.deepEqual(
      ((await watcher3.expect('10')).users as unknown[][]).map((u) => u[0]),
      ['watcher1', 'watcher3'],
    );
    await join(t, n3, 'victim2');
    // One of the two survivors did the reaping, and said so.
    assert.match(
      nodes[0]!.child.stdout + nodes[2]!.child.stdout,
      /node \w+ stopped answering: 3 of its members removed/,
    );
  });

  it('a node shut down cleanly hands over at once: departures come from it, not from reaping', async (t) => {
    const nodes = await startCluster(t, 2);
    if (!nodes) return;
    const [n1, n2] = nodes.map((n) => n.port) as [number, number];
    const stay = await join(t, n1, 'stay');
    const leaving = [await join(t, n2, 'go1'), await join(t, n2, 'go2')];
    await collect(stay, '8', 2);
    nodes[1]!.child.proc.kill('SIGTERM');
    for (const client of leaving)
      assert.equal((await collect(client, '912', 1))[0]!.error, 'SERVER_SHUTTING_DOWN');
    const departures = await collect(stay, '30', 2);
    assert.deepEqual(departures.map((d) => d.nickname).sort(), ['go1', 'go2']);
    assert.equal(await nodes[1]!.child.exitCode(), 0);
    await join(t, n1, 'go1'); // the nickname is free at once
    await stay.expect('8');
    // Nobody had to be reaped: the surviving node never saw the other stop answering.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    assert.doesNotMatch(nodes[0]!.child.stdout, /stopped answering/);
    await stay.expectQuiet();
  });
});
