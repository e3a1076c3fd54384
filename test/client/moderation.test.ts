/**
 * The operator's commands and being kicked, banned or muted, against a scripted server: the
 * requests the library writes, the answers it converts, the errors it gives with their fields,
 * and the reconnects it does not make.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { ChatClient } from '../../src/client/chat-client.js';
import type { ChatEvent } from '../../src/client/events.js';
import { joinOver, type JoinOptions } from '../../src/client/join.js';
import { NatterError } from '../../src/index.js';
import { eventually } from '../helpers.js';
import { ScriptedStream, type Frame } from './scripted-stream.js';

/** A client over scripted streams (one more per reconnect attempt), without history. */
async function scriptedClient(
  t: TestContext,
  options: Partial<JoinOptions> = {},
): Promise<{ client: ChatClient; streams: ScriptedStream[]; events: ChatEvent[] }> {
  const streams = [new ScriptedStream()];
  const joining = joinOver(
    streams[0]!,
    { nickname: 'me', heartbeatMs: 0, reconnect: { initialDelayMs: 1, jitter: 0 }, ...options },
    {
      reopen: async () => {
        const stream = new ScriptedStream();
        streams.push(stream);
        return stream;
      },
    },
  );
  await streams[0]!.welcome(['whisper']);
  const client = await joining;
  t.after(() => client.destroy());
  const events: ChatEvent[] = [];
  client.on('event', (e: ChatEvent) => events.push(e));
  return { client, streams, events };
}

/** The error `p` rejects with, which must be a NatterError. */
async function rejection(p: Promise<unknown>): Promise<NatterError> {
  const err = await p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof NatterError, String(err));
  return err;
}

/** An error message answering `request`, as the server words it. */
function error(request: Frame, code: string, name: string, extra: object = {}): object {
  return {
    cmd: code,
    error: name,
    reason: name.toLowerCase(),
    request: request.cmd,
    id: request.id,
    ...extra,
  };
}

const BAN = {
  id: '7',
  nickname: 'bob',
  reason: 'spamming',
  by: 'root',
  createdAt: 1_000,
  expiresAt: 3_601_000,
};

describe('moderation in the client library (scripted server)', () => {
  it('sends each operator request with its fields and resolves with the typed answer', async (t) => {
    const { client, streams } = await scriptedClient(t);
    const s = streams[0]!;
    assert.equal(client.operator, undefined);

    const oper = client.oper('root', 'hunter2');
    const operReq = await s.next('15');
    assert.deepEqual(
      { ...operReq, id: 0 },
      { cmd: '15', name: 'root', password: 'hunter2', id: 0 },
    );
    s.send({ cmd: '150', name: 'root', id: operReq.id });
    assert.deepEqual(await oper, { name: 'root' });
    assert.equal(client.operator, 'root');

    const kick = client.kick('bob', 'spamming');
    const kickReq = await s.next('16');
    assert.equal(kickReq.nickname, 'bob');
    assert.equal(kickReq.reason, 'spamming');
    s.send({ cmd: '160', nickname: 'bob', id: kickReq.id });
    assert.deepEqual(await kick, { nickname: 'bob' });
    const bare = client.kick('carol');
    const bareReq = await s.next('16');
    assert.equal('reason' in bareReq, false, 'no reason is sent when none is given');
    s.send({ cmd: '160', nickname: 'carol', id: bareReq.id });
    await bare;

    const ban = client.ban({ nickname: 'bob', address: '192.0.2.0/24', durationMs: 3_600_000 });
    const banReq = await s.next('17');
    assert.deepEqual(
      [banReq.nickname, banReq.address, banReq.durationMs, 'reason' in banReq],
      ['bob', '192.0.2.0/24', 3_600_000, false],
    );
    const byAddress = { ...BAN, id: '8', nickname: undefined, address: '192.0.2.0/24' };
    s.send({
      cmd: '170',
      ban: BAN,
      bans: [BAN, byAddress],
      kicked: ['bob', 'bobby'],
      id: banReq.id,
    });
    const banned = await ban;
    assert.deepEqual(banned.ban, BAN);
    assert.deepEqual(
      banned.bans.map((b) => [b.id, b.nickname, b.address]),
      [
        ['7', 'bob', undefined],
        ['8', undefined, '192.0.2.0/24'],
      ],
    );
    assert.deepEqual(banned.kicked, ['bob', 'bobby']);

    // A server that sends `ban` alone: `bans` is that one.
    const lone = client.ban({ nickname: 'dave' });
    const loneReq = await s.next('17');
    s.send({ cmd: '170', ban: { ...BAN, expiresAt: null }, kicked: [], id: loneReq.id });
    const loneBan = await lone;
    assert.equal(loneBan.ban.expiresAt, null);
    assert.equal(loneBan.bans.length, 1);

    const mute = client.mute('bob', 600_000, 'calm down');
    const muteReq = await s.next('18');
    assert.deepEqual(
      [muteReq.nickname, muteReq.durationMs, muteReq.reason],
      ['bob', 600_000, 'calm down'],
    );
    s.send({ cmd: '180', nickname: 'bob', expiresAt: 601_000, id: muteReq.id });
    assert.deepEqual(await mute, { nickname: 'bob', expiresAt: 601_000 });

    const unmute = client.unmute('bob');
    const unmuteReq = await s.next('18');
    assert.equal(unmuteReq.durationMs, 0);
    s.send({ cmd: '180', nickname: 'bob', expiresAt: null, id: unmuteReq.id });
    assert.deepEqual(await unmute, { nickname: 'bob', expiresAt: null });

    // The ban's id goes as banId; the request has its own id, as every request.
    const unban = client.unban({ id: '7' });
    const unbanReq = await s.next('19');
    assert.equal(unbanReq.banId, '7');
    assert.equal(typeof unbanReq.id, 'number');
    s.send({ cmd: '190', removed: [BAN], id: unbanReq.id });
    assert.deepEqual(await unban, { removed: [BAN] });
    // Two at once, answered out of order: each by its id.
    const byName = client.unban({ nickname: 'bob' });
    const second = client.unban({ address: '192.0.2.0/24' });
    const byNameReq = await s.next('19');
    const secondReq = await s.next('19');
    assert.deepEqual([byNameReq.nickname, secondReq.address], ['bob', '192.0.2.0/24']);
    s.send({
      cmd: '906',
      error: 'INVALID_FIELD',
      reason: 'bad',
      request: '19',
      field: 'address',
      id: secondReq.id,
    });
    s.send({ cmd: '190', removed: [], id: byNameReq.id });
    assert.deepEqual(await byName, { removed: [] });
    assert.equal((await rejection(second)).code, '906');

    const list = client.bans();
    const listReq = await s.next('23');
    const mute1 = { nickname: 'eve', reason: '', by: 'root', createdAt: 5, expiresAt: 9 };
    s.send({ cmd: '230', bans: [BAN], mutes: [mute1], id: listReq.id });
    assert.deepEqual(await list, { bans: [BAN], mutes: [mute1] });

    const audit = client.audit({ before: 40, limit: 2 });
    const auditReq = await s.next('24');
    assert.deepEqual([auditReq.before, auditReq.limit], [40, 2]);
    const entry = {
      id: 39,
      at: 10,
      by: 'server',
      action: 'filter',
      target: 'x',
      reason: '',
      phrase: 'bad',
    };
    s.send({ cmd: '240', entries: [entry], more: true, id: auditReq.id });
    assert.deepEqual(await audit, { entries: [entry], more: true });
  });

  it('refuses a ban or unban that names nothing, without sending it', async (t) => {
    const { client, streams } = await scriptedClient(t);
    assert.equal((await rejection(client.ban({ durationMs: 5 }))).code, 'EINVAL');
    assert.equal((await rejection(client.unban({}))).code, 'EINVAL');
    assert.deepEqual(streams[0]!.written, []);
  });

  it('rejects with the error and its fields; NOT_PERMITTED ends the operator role', async (t) => {
    const { client, streams } = await scriptedClient(t);
    const s = streams[0]!;
    const oper = client.oper('root', 'wrong');
    const operReq = await s.next('15');
    s.send(error(operReq, '927', 'OPER_FAILED'));
    const failed = await rejection(oper);
    assert.deepEqual([failed.code, failed.errorName], ['927', 'OPER_FAILED']);
    assert.equal(client.operator, undefined);

    const ok = client.oper('root', 'right');
    s.send({ cmd: '150', name: 'root', id: (await s.next('15')).id });
    await ok;
    const kick = client.kick('nobody');
    s.send(error(await s.next('16'), '930', 'NO_SUCH_MEMBER'));
    assert.equal((await rejection(kick)).code, '930');
    assert.equal(client.operator, 'root', 'a refusal other than 928 keeps the role');

    // Taken out of the configuration: the next action is refused, and the role is gone.
    const bans = client.bans();
    s.send(error(await s.next('23'), '928', 'NOT_PERMITTED'));
    const refused = await rejection(bans);
    assert.equal(refused.errorName, 'NOT_PERMITTED');
    assert.equal(client.operator, undefined);
  });

  it('a muted chat rejects with MUTED, its end and who, and is not sent again', async (t) => {
    const { client, streams, events } = await scriptedClient(t);
    const s = streams[0]!;
    const chat = client.chat('hello?');
    const chatReq = await s.next('7');
    s.send(
      error(chatReq, '932', 'MUTED', { retryAfterMs: 250_000, expiresAt: 1_250_000, by: 'root' }),
    );
    const muted = await rejection(chat);
    assert.deepEqual(
      [muted.code, muted.retryAfterMs, muted.expiresAt, muted.by],
      ['932', 250_000, 1_250_000, 'root'],
    );
    const whisper = client.whisper('bob', 'psst');
    s.send(error(await s.next('2'), '932', 'MUTED', { retryAfterMs: 1, expiresAt: 2, by: 'root' }));
    assert.equal((await rejection(whisper)).code, '932');

    // Refused by the phrase filter, and the connection lost in the same breath: not resent.
    const refused = client.chat('a forbidden phrase');
    const refusedReq = await s.next('7');
    s.send(error(refusedReq, '933', 'MESSAGE_REFUSED'));
    s.close('reset');
    assert.equal((await rejection(refused)).code, '933');
    await eventually(() => streams.length === 2, 'the reconnect');
    await streams[1]!.welcome(['whisper']);
    await eventually(() => events.some((e) => e.type === 'reconnected'), 'the rejoin');
    // The only thing the new connection carries is what the test asks for next.
    const version = client.version();
    await streams[1]!
      .next('4')
      .then((v) => streams[1]!.send({ cmd: '40', serverVersion: '1', id: v.id }));
    await version;
    assert.deepEqual(streams[1]!.written, []);
  });

  it('a kicked client closes with KICKED, by and reason, and does not reconnect', async (t) => {
    const { client, streams, events } = await scriptedClient(t);
    const s = streams[0]!;
    const pending = client.chat('one last word');
    await s.next('7');
    s.send({
      cmd: '929',
      error: 'KICKED',
      reason: 'kicked by root: spamming',
      by: 'root',
      fatal: true,
    });
    s.close();
    const reason = await client.closed();
    assert.ok(reason instanceof NatterError);
    assert.deepEqual(
      [reason.code, reason.errorName, reason.by, reason.reason, reason.expiresAt],
      ['929', 'KICKED', 'root', 'kicked by root: spamming', undefined],
    );
    assert.equal((await rejection(pending)).code, '929');
    assert.equal(client.isClosed, true);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(streams.length, 1, 'no reconnect after a kick');
    assert.equal(events.filter((e) => e.type === 'reconnecting').length, 0);
  });

  it('a banned client closes with BANNED and its expiry, and does not reconnect', async (t) => {
    const { client, streams } = await scriptedClient(t);
    let closedWith: NatterError | undefined;
    client.on('close', (reason: NatterError | undefined) => (closedWith = reason));
    streams[0]!.send({
      cmd: '931',
      error: 'BANNED',
      reason: 'banned by root until 2026-12-01T18:00:00.000Z: spamming',
      by: 'root',
      expiresAt: 1_764_612_000_000,
      fatal: true,
    });
    streams[0]!.close();
    await client.closed();
    assert.deepEqual(
      [closedWith?.code, closedWith?.by, closedWith?.expiresAt],
      ['931', 'root', 1_764_612_000_000],
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(streams.length, 1, 'no reconnect after a ban');
  });

  it('a ban met on the way back ends the reconnecting, with the ban as the reason', async (t) => {
    const { client, streams, events } = await scriptedClient(t);
    streams[0]!.close('reset');
    await eventually(() => streams.length === 2, 'the first attempt');
    const connect = await streams[1]!.next('0');
    streams[1]!.send({
      cmd: '931',
      error: 'BANNED',
      reason: 'banned by root: go away',
      by: 'root',
      expiresAt: null,
      request: '0',
      id: connect.id,
      fatal: true,
    });
    streams[1]!.close();
    const reason = await client.closed();
    assert.deepEqual([reason?.code, reason?.expiresAt], ['931', null]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(streams.length, 2, 'no attempt after the ban');
    assert.equal(events.filter((e) => e.type === 'reconnecting').length, 1);
  });

  it('a reconnected session is no longer an operator', async (t) => {
    const { client, streams, events } = await scriptedClient(t);
    const oper = client.oper('root', 'pw');
    streams[0]!.send({ cmd: '150', name: 'root', id: (await streams[0]!.next('15')).id });
    await oper;
    let seen: string | undefined = 'unset';
    client.on('reconnected', () => (seen = client.operator));
    streams[0]!.close('reset');
    await eventually(() => streams.length === 2, 'the reconnect');
    await streams[1]!.welcome(['whisper']);
    await eventually(() => events.some((e) => e.type === 'reconnected'), 'the rejoin');
    assert.equal(client.operator, undefined);
    assert.equal(seen, undefined, 'already cleared when the application hears of the reconnect');
  });
});
