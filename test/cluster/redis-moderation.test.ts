import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendUnavailableError } from '../../src/backends/errors.js';
import type { ModerationChange, ModerationOptions } from '../../src/backends/moderation.js';
import { RedisModerationStore } from '../../src/cluster/redis-moderation.js';
import type { RedisTime } from '../../src/cluster/redis-scripts.js';
import { moderationContract } from '../backends/moderation-contract.js';
import { eventually } from '../helpers.js';
import { needRedis, ready, redisConnection } from '../redis.js';

/** A store on the test Redis under `prefix`, with connections of its own, started. */
async function storeOn(
  t: TestContext,
  prefix: string,
  options: ModerationOptions & { time?: RedisTime } = {},
) {
  const commands = redisConnection(t);
  const subscriber = redisConnection(t);
  await ready(commands, subscriber);
  const store = new RedisModerationStore(commands, subscriber, prefix, options);
  t.after(() => store.close());
  await store.start();
  return { store, commands, subscriber };
}

moderationContract('RedisModerationStore', async (t, options) => {
  const prefix = await needRedis(t);
  if (!prefix) return undefined;
  return (await storeOn(t, prefix, options)).store;
});

describe('RedisModerationStore', () => {
  it('two stores on the same Redis see each other’s changes at once', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const { store: a } = await storeOn(t, prefix);
    const { store: b } = await storeOn(t, prefix);
    const heard: ModerationChange[] = [];
    b.onChange((change) => heard.push(change));
    const ban = await a.addBan({ address: '198.51.100.0/24', reason: 'abuse', by: 'root' });
    // Found through the other store as soon as the change returned.
    assert.deepEqual(await b.findBan({ nickname: 'x', address: '::ffff:198.51.100.20' }), ban);
    await eventually(() => heard.length === 1, 'the ban told to the other node');
    assert.deepEqual(heard[0], { type: 'ban', ban });
    const mute = await b.addMute({ nickname: 'Bob', by: 'root', durationMs: 60_000 });
    assert.deepEqual(await a.findMute('BOB'), mute);
    assert.deepEqual(await a.listMutes(), [mute]);
    assert.deepEqual(await b.removeBan({ address: '198.51.100.0/24' }), [ban]);
    assert.equal(await a.findBan({ nickname: 'x', address: '198.51.100.20' }), undefined);
    await eventually(() => heard.length === 3, 'the mute and the unban');
    assert.deepEqual(
      heard.map((c) => c.type),
      ['ban', 'mute', 'unban'],
    );
    const one = await a.appendAudit({ by: 'root', action: 'ban' });
    const two = await b.appendAudit({ by: 'root', action: 'unban' });
    assert.ok(two.id > one.id);
    assert.deepEqual((await a.readAudit({ limit: 5 })).entries, [two, one]);
  });

  it('lets Redis remove an entry by itself at its expiry', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const { store, commands } = await storeOn(t, prefix);
    const ban = await store.addBan({ nickname: 'Alice', by: 'root', durationMs: 200 });
    await store.addBan({ nickname: 'forever', by: 'root' });
    const p = `{${prefix}}:mod`;
    const keys = [`${p}:ban:${ban.id}`, `${p}:bn:alice`];
    assert.equal(await commands.exists(...keys), 2);
    const pttl = await commands.pttl(keys[0]!);
    assert.ok(pttl > 0 && pttl <= 200, String(pttl));
    await sleep(300);
    assert.equal(await commands.exists(...keys), 0, 'the record and its index key are gone');
    assert.equal(await store.findBan({ nickname: 'alice', address: '::1' }), undefined);
    // The list's index lets go of it at the next change.
    await store.addBan({ nickname: 'carol', by: 'root' });
    assert.deepEqual(await commands.zrange(`${p}:bans`, '0', '-1'), ['2', '3']);
  });

  it('tells its listeners to read again after its subscription was interrupted', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const { store, subscriber } = await storeOn(t, prefix);
    const heard: string[] = [];
    store.onChange((change) => heard.push(change.type));
    subscriber.disconnect(true);
    await eventually(() => heard.includes('resync'), 'a resync');
    // Subscribed again: changes are heard as before.
    await eventually(() => subscriber.status === 'ready', 'the subscription back');
    for (let i = 0; i < 50 && !heard.includes('ban'); i++) {
      await store.addBan({ nickname: `n${i}`, by: 'root' });
      await sleep(20);
    }
    assert.ok(heard.includes('ban'), heard.join());
  });

  it('refuses a change that reaches Redis after its deadline, and fails when Redis is gone', async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const time = { deadline: () => '1' } as unknown as RedisTime;
    const { store, commands } = await storeOn(t, prefix, { time });
    await assert.rejects(store.addBan({ nickname: 'late', by: 'root' }), {
      name: 'BackendUnavailableError',
      message: /after its deadline/,
    });
    await assert.rejects(store.removeMute('late'), BackendUnavailableError);
    assert.deepEqual(await store.listBans(), []);
    commands.disconnect();
    await assert.rejects(store.findBan({ nickname: 'x', address: '::1' }), BackendUnavailableError);
    await assert.rejects(store.addMute({ nickname: 'x', by: 'root' }), BackendUnavailableError);
  });
});
