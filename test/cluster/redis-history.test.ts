import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Delivery, RoomDelivery } from '../../src/backends/bus.js';
import { BackendUnavailableError } from '../../src/backends/errors.js';
import { RedisBus } from '../../src/cluster/redis-bus.js';
import { RedisHistory, type RedisHistoryLimits } from '../../src/cluster/redis-history.js';
import type { RedisTime } from '../../src/cluster/redis-scripts.js';
import { parseHistoryFrame } from '../../src/cluster/redis-wire.js';
import { withSeq } from '../../src/protocol/encode.js';
import { Logger } from '../../src/server/logger.js';
import { roomHistoryContract } from '../backends/room-history-contract.js';
import { eventually } from '../helpers.js';
import { needRedis, ready, redisConnection } from '../redis.js';

/**
 * Two nodes on the test Redis: `history` publishes through node A's bus, node B's bus
 * receives (`deliveries`), and `control` is a plain connection for looking at the keys.
 */
async function nodes(
  t: TestContext,
  prefix: string,
  limits: RedisHistoryLimits = {},
  time?: RedisTime,
) {
  const logger = new Logger('silent');
  const node = () => randomBytes(4).toString('hex');
  const [pubA, subA, pubB, subB, control] = Array.from({ length: 5 }, () => redisConnection(t));
  await ready(pubA!, subA!, pubB!, subB!, control!);
  const a = new RedisBus(pubA!, subA!, prefix, node(), logger, time);
  const b = new RedisBus(pubB!, subB!, prefix, node(), logger);
  await a.start();
  await b.start();
  a.subscribe(() => undefined);
  const deliveries: Delivery[] = [];
  b.subscribe((d) => deliveries.push(d));
  const history = new RedisHistory(a, pubA!, prefix, limits);
  t.after(() => history.close());
  return { a, b, history, deliveries, control: control!, pub: pubA! };
}

roomHistoryContract('RedisHistory', async (t, limits) => {
  const prefix = await needRedis(t);
  if (!prefix) return undefined;
  const { b, history, deliveries, control } = await nodes(t, prefix, limits);
  return {
    history,
    deliveries,
    watch: (room) => b.watch(room),
    empty: async (room) => {
      b.unwatch(room);
      // What the directory does when a room's last member leaves (redis-lua.ts, release).
      await control.del(`{${prefix}}:s:${room}`);
    },
  };
});

const frame = (msg: string) => Buffer.from(JSON.stringify({ cmd: '70', from: 'x', msg }) + '\n');
const chat = (msg: string, cid?: string) =>
  cid === undefined ? { from: 'x', msg } : { from: 'x', msg, cid };
const seqs = (page: { messages: { seq: number }[] }) => page.messages.map((m) => m.seq);

describe('RedisHistory', () => {
  it('keeps nothing and takes no seq for a chat that is late or fenced', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    let deadline = '1';
    const time = { deadline: () => deadline } as unknown as RedisTime;
    const { history, control } = await nodes(t, prefix, {}, time);
    const p = `{${prefix}}`;
    await control.hset(`${p}:m:m-x`, 'room', 'lobby');
    await assert.rejects(history.publish('lobby', chat('late'), frame('late'), 'm-x'), {
      name: 'BackendUnavailableError',
      message: /after its deadline/,
    });
    deadline = String(Date.now() + 3_600_000);
    await assert.rejects(
      history.publish('lobby', chat('fenced'), frame('fenced'), 'm-gone'),
      (err) => err instanceof BackendUnavailableError && /no longer/.test(err.message),
    );
    assert.equal(await control.get(`${p}:hs:lobby`), null);
    assert.equal(await control.exists(`${p}:h:lobby`), 0);
    const kept = await history.publish('lobby', chat('member'), frame('member'), 'm-x');
    assert.equal(kept.seq, 1);
  });

  it('numbers chats and the bus’s own messages in one room sequence: nothing reported missing', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const { a, b, history, deliveries, control } = await nodes(t, prefix);
    await b.watch('lobby');
    await a.publish({ kind: 'room', room: 'lobby', frame: frame('plain') });
    await history.publish('lobby', chat('kept'), frame('kept'), 'm-x');
    await a.publish({ kind: 'room', room: 'lobby', frame: frame('plain again') });
    await history.publish('lobby', chat('kept again'), frame('kept again'), 'm-x');
    await eventually(() => deliveries.length === 4, 'four deliveries');
    assert.deepEqual(
      deliveries.map((d) => d.kind === 'room' && d.numbered !== undefined),
      [false, true, false, true],
    );
    assert.equal(await control.get(`{${prefix}}:s:lobby`), '4');
    assert.equal(await control.get(`{${prefix}}:hs:lobby`), '2');
  });

  it('sends a turn’s chats in one script: in order, a resend and a fenced chat decided each alone', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const time = { deadline: () => String(Date.now() + 3_600_000) } as unknown as RedisTime;
    const { a, b, history, deliveries, control, pub } = await nodes(t, prefix, {}, time);
    const p = `{${prefix}}`;
    await control.hset(`${p}:m:m-x`, 'room', 'lobby');
    await control.hset(`${p}:m:m-y`, 'room', 'den');
    await b.watch('lobby');
    await b.watch('den');
    let calls = 0;
    const evalsha = pub.evalsha.bind(pub);
    pub.evalsha = ((...args: Parameters<typeof evalsha>) => {
      calls++;
      return evalsha(...args);
    }) as typeof pub.evalsha;
    // All made in one turn, none awaited before the next.
    const say = (room: string, msg: string, except: string, cid?: string) =>
      history.publish(room, chat(msg, cid), frame(msg), except);
    const made = [
      say('lobby', 'one', 'm-x', 'c-1'),
      say('den', 'elsewhere', 'm-y'),
      say('lobby', 'two', 'm-x'),
      say('lobby', 'one again', 'm-x', 'c-1'),
      say('lobby', 'not a member', 'm-y'),
    ];
    // A plain message made after them in the same turn is published after them.
    const plain = a.publish({ kind: 'room', room: 'lobby', frame: frame('plain') });
    const settled = await Promise.allSettled(made);
    await plain;
    assert.equal(calls, 2, 'one script for the chats, one for the plain');
    const kept = (r: PromiseSettledResult<{ seq: number; duplicate: boolean }>) =>
      r.status === 'fulfilled' ? [r.value.seq, r.value.duplicate] : r.reason.message;
    assert.deepEqual(settled.slice(0, 4).map(kept), [
      [1, false],
      [1, false],
      [2, false],
      [1, true],
    ]);
    assert.match(kept(settled[4]!), /no longer/);
    await eventually(() => deliveries.length === 4, 'four deliveries');
    const texts = deliveries.map(
      (d) => d.kind === 'room' && JSON.parse(Buffer.from(d.frame).toString()).msg,
    );
    assert.deepEqual(texts, ['one', 'elsewhere', 'two', 'plain']);
    assert.equal(await control.get(`${p}:s:lobby`), '3');
    assert.equal(await control.get(`${p}:hs:lobby`), '2');
    assert.equal(await control.get(`${p}:hs:den`), '1');
    assert.deepEqual(seqs(await history.page('lobby', { limit: 10 })), [1, 2]);
  });

  it('drops a malformed history payload, delivering the next good one', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const { b, history, deliveries, control } = await nodes(t, prefix);
    await b.watch('lobby');
    const channel = `{${prefix}}:room:lobby`;
    for (const junk of ['H1 x 5 \n{"cmd":"70"}\n', 'H1 1 5\n{"cmd":"70"}\n', 'H1 1 5 \n[1]\n']) {
      await control.publish(channel, junk);
    }
    await history.publish('lobby', chat('good'), frame('good'), '');
    // Published after the junk: once it is here, so is all of that.
    await eventually(() => deliveries.length > 0, 'the good one');
    assert.equal(deliveries.length, 1);
    const d = deliveries[0] as RoomDelivery;
    assert.equal(d.except, undefined);
    assert.equal(JSON.parse(Buffer.from(d.frame).toString()).msg, 'good');
    assert.ok(d.numbered);
  });

  it('forgets a cid once it is past the window in both time and chats, a few per chat', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const limits = { dedupeWindowMs: 300, dedupeWindowChats: 3 };
    const { history, control } = await nodes(t, prefix, limits);
    const p = `{${prefix}}`;
    const say = (msg: string, cid?: string) =>
      history.publish('lobby', chat(msg, cid), frame(msg), '');
    const first = await say('once', 'c-1');
    for (let i = 0; i < 10; i++) await say(`filler ${i}`, `f-${i}`);
    // Past the window in chats, not yet in time.
    const again = await say('once', 'c-1');
    assert.deepEqual([again.seq, again.ts, again.duplicate], [first.seq, first.ts, true]);
    await sleep(400);
    // Past both now: a new chat, and the cid stands for it from here on.
    const later = await say('once more', 'c-1');
    assert.deepEqual([later.seq, later.duplicate], [12, false]);
    assert.equal((await say('once more', 'c-1')).seq, 12);
    for (let i = 0; i < 10; i++) await say(`more ${i}`);
    // Each chat forgot up to two of the old cids; the one accepted just now is within the time.
    assert.equal(await control.hlen(`${p}:hc:lobby`), 1);
    assert.equal(await control.llen(`${p}:hq:lobby`), 1);
  });

  it('keeps chats younger than maxAgeMs: left out at once, removed a few per chat, keys expire', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const { history, control } = await nodes(t, prefix, { maxAgeMs: 1500, dedupeWindowMs: 2000 });
    const p = `{${prefix}}`;
    const say = (msg: string, cid?: string) =>
      history.publish('lobby', chat(msg, cid), frame(msg), '');
    for (let i = 1; i <= 40; i++) await say(`old ${i}`, `c-${i}`);
    await sleep(1000);
    for (let i = 41; i <= 47; i++) await say(`young ${i}`);
    await sleep(1000);
    // 1 to 40 are past their age, 41 to 47 not yet: the page starts at 41.
    const page = await history.page('lobby', { limit: 100 });
    assert.deepEqual(seqs(page), [41, 42, 43, 44, 45, 46, 47]);
    assert.deepEqual([page.more, page.gap], [false, false]);
    assert.equal((await history.page('lobby', { after: 0, limit: 2 })).gap, true);
    assert.equal((await history.page('lobby', { after: 39, limit: 2 })).gap, true);
    assert.equal((await history.page('lobby', { after: 40, limit: 2 })).gap, false);
    assert.deepEqual(seqs(await history.page('lobby', { before: 43, limit: 5 })), [41, 42]);
    assert.equal(await control.xlen(`${p}:h:lobby`), 47);
    await say('newest');
    assert.equal(await control.xlen(`${p}:h:lobby`), 48 - 32, 'the oldest 32 removed at seq 48');
    const streamTtl = await control.pttl(`${p}:h:lobby`);
    assert.ok(streamTtl > 0 && streamTtl <= 1500, `the stream expires: ${streamTtl}`);
    const cidTtl = await control.pttl(`${p}:hc:lobby`);
    assert.ok(cidTtl > 1500 && cidTtl <= 2000, `cids for the dedupe window's time: ${cidTtl}`);
    assert.equal(await control.pttl(`${p}:hs:lobby`), -1, 'the counter never expires');
    // An idle room's history is gone with its newest chat; its numbers go on.
    await sleep(1600);
    assert.equal(await control.exists(`${p}:h:lobby`), 0);
    const idle = await history.page('lobby', { after: 10, limit: 5 });
    assert.deepEqual([seqs(idle), idle.more, idle.gap], [[], false, true]);
    assert.equal((await history.page('lobby', { after: 48, limit: 5 })).gap, false);
    assert.equal((await say('after a pause')).seq, 49);
  });
});

describe('the history payload on the wire', () => {
  const good = (header: string) => Buffer.from(`H${header}\n{"cmd":"70","from":"x","msg":"hi"}\n`);

  it('reads the bus number, the seq and ts, and the member to skip', () => {
    const parsed = parseHistoryFrame('lobby', good('7 3 1700000000123 m1'));
    assert.ok(parsed && 'delivery' in parsed);
    assert.equal(parsed.seq, 7);
    assert.equal(parsed.delivery.except, 'm1');
    assert.equal(
      withSeq(
        parsed.delivery.frame,
        parsed.delivery.numbered!.seq,
        parsed.delivery.numbered!.ts,
      ).toString(),
      '{"cmd":"70","from":"x","msg":"hi","seq":3,"ts":1700000000123}\n',
    );
    const anyone = parseHistoryFrame('lobby', good('7 3 1700000000123 '));
    assert.ok(anyone && 'delivery' in anyone && anyone.delivery.except === undefined);
  });

  it('reads nothing malformed', () => {
    for (const header of [
      '7 3 17',
      '7 3 17 m1 x',
      '0 3 17 m1',
      '7 0 17 m1',
      '7 3 -1 m1',
      '7 a 1 m',
    ]) {
      assert.equal(parseHistoryFrame('lobby', good(header)), undefined, header);
    }
    for (const body of ['{"cmd":"70"} \n', '[1]\n', '{"cmd":7}\n', '{"cmd":"70"}']) {
      const message = Buffer.from(`H7 3 17 m1\n${body}`);
      assert.equal(parseHistoryFrame('lobby', message), undefined, body);
    }
  });
});
