import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join, joinAll, startServer } from '../helpers.js';

describe('rooms (Natter extension)', () => {
  it('ROOMS 11 lists the default room first, then every room with members', async (t) => {
    const server = await startServer(t);
    const dev = await join(t, server, 'dev', { room: 'dev' });
    await join(t, server, 'ops', { room: 'Ops' });
    dev.send({ cmd: '11' });
    assert.deepEqual(await dev.next(), {
      cmd: '110',
      rooms: [
        { name: 'lobby', userCount: 0, capacity: 10 },
        { name: 'Ops', userCount: 1, capacity: 10 },
        { name: 'dev', userCount: 1, capacity: 10 },
      ],
    });
  });

  it('ROOMS answers in pages of 100: next names where the following page starts', async (t) => {
    const server = await startServer(t);
    const names = Array.from({ length: 150 }, (_, i) => `r${String(i).padStart(3, '0')}`);
    const clients = [];
    for (const room of names) clients.push(await join(t, server, `u${room}`, { room }));
    const asker = clients[0]!;
    asker.send({ cmd: '11', id: 1 });
    const first = await asker.expect('110');
    const listed = (first.rooms as { name: string }[]).map((r) => r.name);
    assert.equal(listed.length, 100);
    assert.deepEqual(listed, ['lobby', ...names.slice(0, 99)]);
    assert.equal(first.next, 'r098');
    asker.send({ cmd: '11', after: first.next, id: 2 });
    const second = await asker.expect('110');
    assert.deepEqual(
      (second.rooms as { name: string }[]).map((r) => r.name),
      names.slice(99),
    );
    assert.equal(second.next, undefined, 'the last page');
    assert.equal(second.id, 2);
  });

  it('ROOMS pages of `limit` rooms (at most 100); a smaller page costs fewer tokens', async (t) => {
    const server = await startServer(t, { exemptAddresses: [], floodBurst: 12, floodRate: 0.001 });
    const a = await join(t, server, 'a', { room: 'r1' }); // the CONNECT took 1 token
    await join(t, server, 'b', { room: 'r2' });
    await join(t, server, 'c', { room: 'r3' });
    a.send({ cmd: '11', limit: 2, id: 1 });
    const first = await a.expect('110');
    assert.deepEqual(
      (first.rooms as { name: string }[]).map((r) => r.name),
      ['lobby', 'r1'],
    );
    assert.equal(first.next, 'r1');
    a.send({ cmd: '11', limit: 2, after: first.next, id: 2 });
    const second = await a.expect('110');
    assert.deepEqual(
      (second.rooms as { name: string }[]).map((r) => r.name),
      ['r2', 'r3'],
    );
    // 1 + 2 + 2 tokens of 12 so far: a limit of 10 costs 2 more, a full page 11, too many now.
    a.send({ cmd: '11', limit: 10, id: 3 });
    assert.equal((await a.next()).cmd, '110');
    a.send({ cmd: '11', id: 4 });
    assert.equal((await a.next()).cmd, '916');
    a.send({ cmd: '11', limit: 0, id: 5 });
    const bad = await a.next();
    assert.equal(bad.cmd, '906', JSON.stringify(bad));
    assert.equal(bad.field, 'limit');
  });

  it('a full page of ROOMS costs 11 flood tokens', async (t) => {
    const server = await startServer(t, { exemptAddresses: [], floodBurst: 25, floodRate: 1 });
    const a = await join(t, server, 'a');
    for (const id of [1, 2]) {
      a.send({ cmd: '11', id });
      assert.equal((await a.next()).cmd, '110');
    }
    a.send({ cmd: '11', id: 3 });
    const refused = await a.next();
    assert.equal(refused.cmd, '916', JSON.stringify(refused));
    assert.ok((refused.retryAfterMs as number) > 1000, 'it waits for 10 tokens, not 1');
    a.send({ cmd: '4' });
    assert.equal((await a.next()).cmd, '40', 'a cheaper request still goes through');
  });

  it('JOIN 12 moves to a room: old room gets 30, new room gets 8, the mover gets 120', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    const dev = await join(t, server, 'dev', { room: 'dev' });
    alice!.send({ cmd: '12', room: 'dev' });
    assert.deepEqual(await alice!.next(), { cmd: '120', room: 'dev', userCount: 2 });
    assert.deepEqual(await bob!.next(), { cmd: '30', nickname: 'alice', userCount: 1 });
    assert.deepEqual(await dev.next(), { cmd: '8', nickname: 'alice', userCount: 2 });
    // CHAT and USERS now apply to the new room.
    alice!.send({ cmd: '7', msg: 'in dev' });
    assert.deepEqual(await dev.next(), { cmd: '70', from: 'alice', msg: 'in dev' });
    await bob!.expectQuiet();
    alice!.send({ cmd: '1' });
    const rows = (await alice!.expect('10')).users as unknown[][];
    assert.deepEqual(
      rows.map((r) => r[0]),
      ['dev', 'alice'],
    );
  });

  it("a client that sent caps learns where a member moved: the 30 names the room; a seed client's does not", async (t) => {
    const server = await startServer(t);
    const seed = await join(t, server, 'seed');
    const natter = await join(t, server, 'natter', { caps: [] });
    const mover = await join(t, server, 'mover');
    await seed.expect('8');
    await seed.expect('8');
    await natter.expect('8');
    natter.send({ cmd: '7', msg: 'before' });
    mover.send({ cmd: '12', room: 'Dev' });
    assert.deepEqual(await seed.next(), { cmd: '70', from: 'natter', msg: 'before' });
    assert.deepEqual(await seed.next(), { cmd: '30', nickname: 'mover', userCount: 2 });
    assert.deepEqual(await natter.next(), {
      cmd: '30',
      nickname: 'mover',
      userCount: 2,
      room: 'Dev',
    });
    // In order with what follows, and a plain departure stays plain.
    seed.send({ cmd: '7', msg: 'after' });
    assert.deepEqual(await natter.next(), { cmd: '70', from: 'seed', msg: 'after' });
    seed.send({ cmd: '3' });
    assert.deepEqual(await natter.next(), { cmd: '30', nickname: 'seed', userCount: 1 });
  });

  it('JOIN creates a room, keeps its first spelling, and forgets it when empty', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    alice.send({ cmd: '12', room: 'Music' });
    assert.deepEqual(await alice.next(), { cmd: '120', room: 'Music', userCount: 1 });
    const bob = await join(t, server, 'bob');
    bob.send({ cmd: '12', room: 'MUSIC' });
    assert.deepEqual(await bob.next(), { cmd: '120', room: 'Music', userCount: 2 });
    assert.deepEqual(await alice.next(), { cmd: '8', nickname: 'bob', userCount: 2 });
    alice.send({ cmd: '13' });
    await alice.expect('130');
    assert.deepEqual(await bob.next(), { cmd: '30', nickname: 'alice', userCount: 1 });
    bob.send({ cmd: '13' });
    await bob.expect('130');
    bob.send({ cmd: '11' });
    const list = (await bob.expect('110')).rooms as { name: string }[];
    assert.deepEqual(
      list.map((r) => r.name),
      ['lobby'],
    );
  });

  it('JOIN answers 121 for a full room and 122 for the current one', async (t) => {
    const server = await startServer(t, { maxUsers: 2 });
    await join(t, server, 'a', { room: 'small' });
    await join(t, server, 'b', { room: 'small' });
    const c = await join(t, server, 'c');
    c.send({ cmd: '12', room: 'small' });
    assert.deepEqual(await c.next(), { cmd: '121' });
    c.send({ cmd: '12', room: 'LOBBY' });
    assert.deepEqual(await c.next(), { cmd: '122' });
  });

  it('JOIN rejects an invalid room name with 910', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    for (const room of ['', 'with space', 'x'.repeat(33), 'bad\u0000']) {
      alice.send({ cmd: '12', room });
      assert.equal((await alice.expect('910')).error, 'INVALID_ROOM_NAME');
    }
  });

  it('LEAVE 13 returns to the default room; 132 when already there; 131 when it is full', async (t) => {
    const server = await startServer(t, { maxUsers: 1 });
    const alice = await join(t, server, 'alice', { room: 'side' });
    alice.send({ cmd: '13' });
    assert.deepEqual(await alice.next(), { cmd: '130', room: 'lobby', userCount: 1 });
    alice.send({ cmd: '13' });
    assert.deepEqual(await alice.next(), { cmd: '132' });
    const bob = await join(t, server, 'bob', { room: 'side' });
    bob.send({ cmd: '13' });
    assert.deepEqual(await bob.next(), { cmd: '131' });
  });

  it('keeps capacity per room', async (t) => {
    const server = await startServer(t, { maxUsers: 2 });
    await joinAll(t, server, ['a', 'b']);
    await join(t, server, 'c', { room: 'other' });
    await join(t, server, 'd', { room: 'other' });
  });

  it('a seed client in the default room sees only the seed protocol', async (t) => {
    const server = await startServer(t);
    const seed = await join(t, server, 'seed');
    const ext = await join(t, server, 'ext', { caps: ['whisper'] });
    await seed.expect('8');
    ext.send({ cmd: '12', room: 'x' });
    await ext.expect('120');
    // Leaving to another room looks like an EXIT to the seed client; coming back like a join.
    assert.deepEqual(await seed.next(), { cmd: '30', nickname: 'ext', userCount: 1 });
    ext.send({ cmd: '13' });
    await ext.expect('130');
    assert.deepEqual(await seed.next(), { cmd: '8', nickname: 'ext', userCount: 2 });
  });
});
