import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { test, type TestContext } from 'node:test';
import { join, RawClient, startServer } from '../helpers.js';

/** docs/protocol.md, section 12, on one node. */

const HISTORY = { caps: ['history'] };

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(joinPath(tmpdir(), 'natter-history-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function chat(client: RawClient, msg: string, extra: Record<string, unknown> = {}) {
  client.send({ cmd: '7', msg, ...extra });
  if (extra.id !== undefined) return client.expect('71');
  return undefined;
}

test('history clients get seq and ts on 70 and 71; seed clients get exactly the seed frames', async (t) => {
  const server = await startServer(t);
  const alice = await join(t, server, 'alice', HISTORY);
  const bob = await join(t, server, 'bob', HISTORY);
  await alice.expect('8');
  const seed = await join(t, server, 'carol');
  await alice.expect('8');
  await bob.expect('8');
  const before = Date.now();
  const ack = await chat(alice, 'hello', { id: 1 });
  assert.deepEqual(Object.keys(ack!), ['cmd', 'seq', 'ts', 'id']);
  assert.equal(ack!.seq, 1);
  assert.ok((ack!.ts as number) >= before - 5 && (ack!.ts as number) <= Date.now() + 5);
  const got = await bob.expect('70');
  assert.deepEqual(got, { cmd: '70', from: 'alice', msg: 'hello', seq: 1, ts: ack!.ts });
  await seed.expect('70');
  assert.ok(seed.raw.endsWith('{"cmd":"70","from":"alice","msg":"hello"}\n'));
  await chat(seed, 'from the seed');
  const numbered = await alice.expect('70');
  assert.equal(numbered.seq, 2);
  const ack3 = await chat(seed, 'seed with id', { id: 'x' });
  assert.deepEqual(ack3, { cmd: '71', id: 'x' });
});

test('HISTORY pages: newest, before, after, both, more and the room', async (t) => {
  const server = await startServer(t);
  const alice = await join(t, server, 'alice', HISTORY);
  for (let i = 1; i <= 7; i++) await chat(alice, `m${i}`, { id: i });
  alice.send({ cmd: '14', limit: 3, id: 'a' });
  const newest = await alice.expect('140');
  assert.equal(newest.room, 'lobby');
  assert.deepEqual(
    (newest.messages as { seq: number }[]).map((m) => m.seq),
    [5, 6, 7],
  );
  assert.equal(newest.more, true);
  assert.equal(newest.gap, false);
  assert.equal(newest.id, 'a');
  const first = (newest.messages as Record<string, unknown>[])[0]!;
  assert.deepEqual(Object.keys(first), ['seq', 'ts', 'from', 'msg']);
  assert.equal(first.from, 'alice');
  assert.equal(first.msg, 'm5');
  alice.send({ cmd: '14', before: 5, limit: 10 });
  const older = await alice.expect('140');
  assert.deepEqual(
    (older.messages as { msg: string }[]).map((m) => m.msg),
    ['m1', 'm2', 'm3', 'm4'],
  );
  assert.equal(older.more, false);
  alice.send({ cmd: '14', after: 2, limit: 2 });
  const resumed = await alice.expect('140');
  assert.deepEqual(
    (resumed.messages as { seq: number }[]).map((m) => m.seq),
    [3, 4],
  );
  assert.equal(resumed.more, true);
  alice.send({ cmd: '14', after: 2, before: 5 });
  const between = await alice.expect('140');
  assert.deepEqual(
    (between.messages as { seq: number }[]).map((m) => m.seq),
    [3, 4],
  );
  assert.equal(between.more, false);
  // Only the room one is in.
  alice.send({ cmd: '12', room: 'elsewhere' });
  await alice.expect('120');
  alice.send({ cmd: '14' });
  const empty = await alice.expect('140');
  assert.deepEqual(empty, { cmd: '140', room: 'elsewhere', messages: [], more: false, gap: false });
});

test('HISTORY refuses bad fields with 906 naming them', async (t) => {
  const server = await startServer(t);
  const alice = await join(t, server, 'alice', HISTORY);
  for (const [request, field] of [
    [{ limit: 0 }, 'limit'],
    [{ limit: 201 }, 'limit'],
    [{ limit: 1.5 }, 'limit'],
    [{ before: 'x' }, 'before'],
    [{ after: -1 }, 'after'],
  ] as const) {
    alice.send({ cmd: '14', ...request });
    const error = await alice.expect('906');
    assert.equal(error.field, field, JSON.stringify(request));
  }
  alice.send({ cmd: '7', msg: 'x', cid: 'c'.repeat(65), id: 1 });
  const tooLong = await alice.expect('906');
  assert.equal(tooLong.field, 'cid');
  alice.send({ cmd: '7', msg: 'x', cid: '', id: 2 });
  assert.equal((await alice.expect('906')).field, 'cid');
});

test('a resent cid is acknowledged with the first seq and delivered to nobody', async (t) => {
  const server = await startServer(t);
  const alice = await join(t, server, 'alice', HISTORY);
  const bob = await join(t, server, 'bob', HISTORY);
  await alice.expect('8');
  const first = await chat(alice, 'once', { id: 1, cid: 'k1' });
  await bob.expect('70');
  const again = await chat(alice, 'once', { id: 2, cid: 'k1' });
  assert.equal(again!.seq, first!.seq);
  assert.equal(again!.ts, first!.ts);
  await bob.expectQuiet();
  alice.send({ cmd: '14' });
  const page = await alice.expect('140');
  assert.equal((page.messages as unknown[]).length, 1);
});

test('with history off: no capability, no seq, HISTORY is 926', async (t) => {
  const server = await startServer(t, { history: false });
  const alice = await join(t, server, 'alice', HISTORY);
  const bob = await join(t, server, 'bob', { caps: ['history', 'whisper'] });
  await alice.expect('8');
  const ack = await chat(alice, 'plain', { id: 1, cid: 'a' });
  assert.deepEqual(ack, { cmd: '71', id: 1 });
  assert.deepEqual(await bob.expect('70'), { cmd: '70', from: 'alice', msg: 'plain' });
  alice.send({ cmd: '14' });
  assert.equal((await alice.expect('926')).error, 'HISTORY_UNAVAILABLE');
});

test('the 03 grants history only while it is on', async (t) => {
  for (const history of [true, false]) {
    const server = await startServer(t, { history });
    const client = await RawClient.open(t, server);
    client.send({ cmd: '0', nickname: 'a', caps: ['history', 'nope', 'whisper'] });
    const answer = await client.expect('03');
    assert.deepEqual(answer.caps, history ? ['history', 'whisper'] : ['whisper']);
  }
});

test('a chat acknowledged survives a restart of a server with a data directory, same seq', async (t) => {
  const dataDir = tempDir(t);
  const first = await startServer(t, { dataDir });
  const alice = await join(t, first, 'alice', HISTORY);
  const acks = [];
  for (let i = 0; i < 20; i++) acks.push(await chat(alice, `kept ${i}`, { id: i, cid: `c${i}` }));
  await first.close();
  const second = await startServer(t, { dataDir });
  const again = await join(t, second, 'alice', HISTORY);
  again.send({ cmd: '14', limit: 200 });
  const page = await again.expect('140');
  assert.deepEqual(
    (page.messages as { seq: number; msg: string }[]).map((m) => [m.seq, m.msg]),
    acks.map((a, i) => [a!.seq, `kept ${i}`]),
  );
  // Resends after the restart are still recognised.
  const resent = await chat(again, 'kept 3', { id: 'r', cid: 'c3' });
  assert.equal(resent!.seq, acks[3]!.seq);
  const next = await chat(again, 'new', { id: 'n' });
  assert.ok((next!.seq as number) > (acks[19]!.seq as number));
});

test('a cid is counted in characters, and must be well-formed text', async (t) => {
  const server = await startServer(t);
  const alice = await join(t, server, 'alice', HISTORY);
  const emoji = '😀'.repeat(64);
  assert.equal((await chat(alice, 'wide', { id: 1, cid: emoji }))!.cmd, '71');
  alice.send('{"cmd":"7","msg":"x","cid":"\\ud800","id":2}\n');
  assert.equal((await alice.expect('906')).field, 'cid');
  alice.send({ cmd: '7', msg: 'x', cid: '😀'.repeat(65), id: 3 });
  assert.equal((await alice.expect('906')).field, 'cid');
});

test('a page stays within 256 KiB, keeping the chats nearest to where it was asked from', async (t) => {
  const server = await startServer(t);
  const alice = await join(t, server, 'alice', HISTORY);
  for (let i = 1; i <= 30; i++) alice.send({ cmd: '7', msg: `${i}`.padEnd(5000, 'é') });
  await chat(alice, 'last', { id: 'sync' });
  alice.send({ cmd: '14', limit: 200 });
  const newest = await alice.expect('140');
  const seqs = (newest.messages as { seq: number }[]).map((m) => m.seq);
  assert.ok(seqs.length > 1 && seqs.length < 31, `${seqs.length} chats`);
  assert.equal(seqs.at(-1), 31, 'the newest are kept');
  assert.equal(newest.more, true);
  alice.send({ cmd: '14', after: 0, limit: 200 });
  const oldest = await alice.expect('140');
  assert.equal((oldest.messages as { seq: number }[])[0]!.seq, 1, 'the oldest are kept');
  assert.equal(oldest.more, true);
  assert.ok(JSON.stringify(oldest).length < 256 * 1024);
});

test('a chat the store refuses is not delivered, and its sender gets 926', async (t) => {
  const { StoreFailedError } = await import('../../src/backends/errors.js');
  const refusing = {
    publish: () => {
      throw new StoreFailedError('history: the disk is full');
    },
    page: () => ({ messages: [], more: false, gap: false }),
    close: async () => undefined,
  };
  const server = await startServer(t, { roomHistory: refusing, logLevel: 'silent' });
  const alice = await join(t, server, 'alice', HISTORY);
  const bob = await join(t, server, 'bob', HISTORY);
  await alice.expect('8');
  alice.send({ cmd: '7', msg: 'lost', id: 1 });
  const error = await alice.expect('926');
  assert.equal(error.error, 'HISTORY_UNAVAILABLE');
  assert.equal(error.id, 1);
  await bob.expectQuiet();
});
