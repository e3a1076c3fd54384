import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawClient, join, startServer } from '../helpers.js';

describe('races (D05, D06, D10, D20)', () => {
  it('many clients racing for one nickname: exactly one 03, the rest 01', async (t) => {
    const server = await startServer(t);
    for (let round = 0; round < 10; round++) {
      const clients = await Promise.all(
        Array.from({ length: 12 }, () => RawClient.open(t, server)),
      );
      for (const c of clients) c.send({ cmd: '0', nickname: `same${round}` });
      const answers = await Promise.all(clients.map((c) => c.next()));
      assert.equal(answers.filter((a) => a.cmd === '03').length, 1);
      assert.equal(answers.filter((a) => a.cmd === '01').length, 11);
    }
  });

  it('30 concurrent joins into an empty room: 10 succeed with counts 1..10, 20 get 02', async (t) => {
    const server = await startServer(t);
    const clients = await Promise.all(Array.from({ length: 30 }, () => RawClient.open(t, server)));
    clients.forEach((c, i) => c.send({ cmd: '0', nickname: `c${i}` }));
    const answers = await Promise.all(clients.map((c) => c.next()));
    const joined = answers.filter((a) => a.cmd === '03');
    assert.equal(joined.length, 10);
    assert.equal(answers.filter((a) => a.cmd === '02').length, 20);
    assert.deepEqual(
      joined.map((a) => a.userCount).sort((x, y) => Number(x) - Number(y)),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
  });

  it('one free place and 10 racers: exactly one joins', async (t) => {
    const server = await startServer(t);
    for (let i = 0; i < 9; i++) await join(t, server, `member${i}`);
    const racers = await Promise.all(Array.from({ length: 10 }, () => RawClient.open(t, server)));
    racers.forEach((c, i) => c.send({ cmd: '0', nickname: `racer${i}` }));
    const answers = await Promise.all(racers.map((c) => c.next()));
    assert.equal(answers.filter((a) => a.cmd === '03').length, 1);
  });

  it('joins and leaves interleaved: every 8 and 30 carries a consistent count', async (t) => {
    const server = await startServer(t, { maxUsers: 100 });
    const watcher = await join(t, server, 'watcher');
    const clients = await Promise.all(Array.from({ length: 40 }, () => RawClient.open(t, server)));
    clients.forEach((c, i) => c.send(`{"cmd":"0","nickname":"p${i}"}{"cmd":"3"}`));
    // The watcher sees 80 events; replaying them must give the count each one announces.
    let count = 1;
    for (let i = 0; i < 80; i++) {
      const m = await watcher.next();
      count += m.cmd === '8' ? 1 : -1;
      assert.equal(m.userCount, count, JSON.stringify(m));
    }
    assert.equal(count, 1);
  });
});
