import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { ChatClient } from '../../src/client/chat-client.js';
import type { ChatEvent } from '../../src/client/events.js';
import { joinOver, type JoinOptions } from '../../src/client/join.js';
import { NatterError } from '../../src/index.js';
import { eventually } from '../helpers.js';
import { chat70, page, ScriptedStream } from './scripted-stream.js';

/** A client over scripted streams: the first, then one more per reconnect attempt. */
async function scriptedClient(
  t: TestContext,
  options: Partial<JoinOptions> = {},
  caps?: string[],
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
  await streams[0]!.welcome(caps);
  const client = await joining;
  t.after(() => client.destroy());
  const events: ChatEvent[] = [];
  client.on('event', (e: ChatEvent) => events.push(e));
  return { client, streams, events };
}

/** Waits for the client's next connection (a reconnect attempt). */
async function nextStream(streams: ScriptedStream[], count: number): Promise<ScriptedStream> {
  await eventually(() => streams.length >= count, `connection ${count}`);
  return streams[count - 1]!;
}

/** The chats among the events, as `seq msg`. */
function chats(events: ChatEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'chat' ? [`${e.seq} ${e.msg}`] : []));
}

describe('resuming after a reconnect (scripted server)', () => {
  it('gives the missed chats in order before live ones, without duplicates, then resends with the same cid', async (t) => {
    const { client, streams, events } = await scriptedClient(t);
    const first = streams[0]!;
    // With reconnect, the client learns where the room stands.
    const place = await first.next('14');
    assert.equal(place.limit, 1);
    first.send(page(place, [[5, 'bob', 'b5']], true));
    first.send(chat70(6, 'bob', 'b6'));
    await eventually(() => events.length === 1, 'the live chat');

    const sending = client.chat('mine');
    const sent = await first.next('7');
    assert.equal(typeof sent.cid, 'string');
    // The acknowledgement never comes: the connection is lost first.
    first.close('read ECONNRESET');
    await eventually(() => !client.connected, 'the loss');
    assert.equal(client.isClosed, false);
    const queued = client.chat('while away');
    await assert.rejects(client.users(), (err: NatterError) => err.code === 'RECONNECTING');

    const second = await nextStream(streams, 2);
    const connect = await second.welcome();
    assert.equal(connect.nickname, 'me');
    assert.equal(connect.room, 'lobby');
    assert.deepEqual(connect.caps, ['whisper', 'history']);
    const catchUp1 = await second.next('14');
    assert.equal(catchUp1.after, 6);
    assert.equal(catchUp1.limit, 200);
    // Live traffic while the page is on its way: two chats the page has too, and a join.
    second.send(chat70(9, 'bob', 'b9'), chat70(10, 'bob', 'b10'));
    second.send({ cmd: '8', nickname: 'carol', userCount: 3 });
    // The page holds this client's own chat, whose 71 was lost: it is not given back to it.
    second.send(
      page(
        catchUp1,
        [
          [7, 'bob', 'b7'],
          [8, 'me', 'mine'],
          [9, 'bob', 'b9'],
        ],
        true,
      ),
    );
    const catchUp2 = await second.next('14');
    assert.equal(catchUp2.after, 9);
    second.send(chat70(11, 'carol', 'c11'));
    second.send(page(catchUp2, [[10, 'bob', 'b10']]));

    // Then the chat whose acknowledgement was lost, with its cid, and the one queued after it.
    const resent = await second.next('7');
    assert.equal(resent.msg, 'mine');
    assert.equal(resent.cid, sent.cid);
    const next = await second.next('7');
    assert.equal(next.msg, 'while away');
    assert.notEqual(next.cid, sent.cid);
    second.send({ cmd: '71', id: resent.id, seq: 8, ts: 1_000_008 });
    second.send({ cmd: '71', id: next.id, seq: 12, ts: 1_000_012 });
    assert.deepEqual(await sending, { seq: 8, ts: 1_000_008 });
    assert.deepEqual(await queued, { seq: 12, ts: 1_000_012 });

    assert.deepEqual(
      events.map((e) => e.type),
      ['chat', 'reconnecting', 'reconnected', 'chat', 'chat', 'chat', 'join', 'chat'],
    );
    assert.deepEqual(chats(events), ['6 b6', '7 b7', '9 b9', '10 b10', '11 c11']);
    const reconnecting = events[1] as Extract<ChatEvent, { type: 'reconnecting' }>;
    assert.equal(reconnecting.attempt, 1);
    assert.equal(reconnecting.delayMs, 1);
    assert.equal(reconnecting.error.code, 'ECONNRESET');
    assert.deepEqual(events[2], { type: 'reconnected', nickname: 'me', room: 'lobby' });
    assert.equal(client.connected, true);
  });

  it('tells of a gap, and catches up from the place learnt at join when nothing was seen', async (t) => {
    const { streams, events } = await scriptedClient(t);
    const first = streams[0]!;
    const place = await first.next('14');
    first.send(page(place, [[40, 'bob', 'old']], true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    first.close();
    const second = await nextStream(streams, 2);
    await second.welcome();
    const catchUp = await second.next('14');
    assert.equal(catchUp.after, 40);
    // Retention removed what followed 40: the page starts later.
    second.send(page(catchUp, [[90, 'bob', 'b90']], false, true));
    await eventually(() => chats(events).length === 1, 'the chat after the gap');
    assert.deepEqual(
      events.filter((e) => e.type !== 'reconnecting' && e.type !== 'reconnected'),
      [
        { type: 'gap', room: 'lobby', after: 40 },
        { type: 'chat', from: 'bob', msg: 'b90', seq: 90, ts: 1_000_090, missed: true },
      ],
    );
  });

  it('drops a live chat that the catch-up page already gave (the page read ahead of it)', async (t) => {
    const { streams, events } = await scriptedClient(t);
    const first = streams[0]!;
    const place = await first.next('14');
    first.send(page(place, [[5, 'bob', 'b5']]));
    first.send(chat70(6, 'bob', 'b6'));
    await eventually(() => chats(events).length === 1, 'the live chat');
    first.close('read ECONNRESET');
    const second = await nextStream(streams, 2);
    await second.welcome();
    const catchUp = await second.next('14');
    // In a cluster the page comes from Redis, and may hold chats the subscription brings later.
    second.send(
      page(catchUp, [
        [7, 'bob', 'b7'],
        [8, 'bob', 'b8'],
      ]),
    );
    await eventually(() => chats(events).length === 3, 'the caught-up chats');
    second.send(chat70(7, 'bob', 'b7'), chat70(8, 'bob', 'b8'), chat70(9, 'bob', 'b9'));
    await eventually(() => chats(events).includes('9 b9'), 'chat 9');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(chats(events), ['6 b6', '7 b7', '8 b8', '9 b9']);
  });

  it('after a gap with nothing kept (history lost, numbered anew), takes the new numbers', async (t) => {
    const { streams, events } = await scriptedClient(t);
    const first = streams[0]!;
    const place = await first.next('14');
    first.send(page(place, [[40, 'bob', 'b40']]));
    first.send(chat70(41, 'bob', 'b41'));
    await eventually(() => chats(events).length === 1, 'the live chat');
    first.close('read ECONNRESET');
    const second = await nextStream(streams, 2);
    await second.welcome();
    const catchUp = await second.next('14');
    assert.equal(catchUp.after, 41);
    second.send(page(catchUp, [], false, true));
    await eventually(() => events.some((e) => e.type === 'gap'), 'the gap');
    second.send(chat70(1, 'bob', 'again 1'));
    await eventually(() => chats(events).includes('1 again 1'), 'the newly numbered chat');
  });

  it('skips its own acknowledged chats in the catch-up, even under a former nickname', async (t) => {
    const { client, streams, events } = await scriptedClient(t);
    const first = streams[0]!;
    first.send(page(await first.next('14'), [], false));
    const sending = client.chat('as me');
    const sent = await first.next('7');
    first.send({ cmd: '71', id: sent.id, seq: 1, ts: 1_000_001 });
    assert.deepEqual(await sending, { seq: 1, ts: 1_000_001 });
    const renaming = client.rename('me2');
    first.send({ cmd: '51', newNickname: 'me2', id: (await first.next('5')).id });
    await renaming;
    first.close();
    const second = await nextStream(streams, 2);
    assert.equal((await second.welcome()).nickname, 'me2');
    const catchUp = await second.next('14');
    assert.equal(catchUp.after, 0);
    second.send(
      page(catchUp, [
        [1, 'me', 'as me'],
        [2, 'bob', 'hi'],
      ]),
    );
    await eventually(() => chats(events).length === 1, 'the catch-up');
    assert.deepEqual(chats(events), ['2 hi']);
  });

  it('without the history capability: no cid, chat() resolves undefined, no catch-up', async (t) => {
    const { client, streams, events } = await scriptedClient(t, {}, ['whisper']);
    const first = streams[0]!;
    const sending = client.chat('plain');
    const sent = await first.next('7');
    assert.equal(sent.cid, undefined);
    first.send({ cmd: '71', id: sent.id });
    assert.equal(await sending, undefined);
    await assert.rejects(client.history(), (err: NatterError) => err.code === 'ENOTSUP');
    // Unacknowledged without a cid: a resend could deliver it twice, so it fails instead.
    const lost = client.chat('maybe delivered');
    await first.next('7');
    first.close();
    await assert.rejects(lost, (err: NatterError) => err.code === 'CLOSED');
    const second = await nextStream(streams, 2);
    await second.welcome(['whisper']);
    await eventually(() => events.some((e) => e.type === 'reconnected'), 'the reconnect');
    const after = client.chat('after');
    const next = await second.next('7');
    assert.equal(next.msg, 'after');
    second.send({ cmd: '71', id: next.id });
    assert.equal(await after, undefined);
    assert.equal(second.written.length, 0, 'no HISTORY was asked');
  });

  it('retries a nickname still held, gives up on a refusal that lasts, and closes with it', async (t) => {
    const { client, streams, events } = await scriptedClient(t);
    streams[0]!.send(page(await streams[0]!.next('14'), []));
    const away = client.chat('never sent');
    streams[0]!.close();
    const second = await nextStream(streams, 2);
    second.send({ cmd: '01', id: (await second.next('0')).id });
    second.close();
    const third = await nextStream(streams, 3);
    const connect = await third.next('0');
    third.send({
      cmd: '909',
      error: 'INVALID_NICKNAME',
      reason: 'no longer allowed',
      request: '0',
      id: connect.id,
    });
    const reason = await client.closed();
    assert.equal(reason?.code, '909');
    await assert.rejects(away, (err: NatterError) => err.code === '909');
    assert.deepEqual(
      events.map((e) =>
        e.type === 'reconnecting' ? `${e.type} ${e.attempt} ${e.error.code}` : e.type,
      ),
      ['reconnecting 1 CLOSED', 'reconnecting 2 01'],
    );
  });

  it('exit() while reconnecting stops, and closed() says it was asked for', async (t) => {
    const { client, streams } = await scriptedClient(t, {
      reconnect: { initialDelayMs: 60_000 },
    });
    streams[0]!.close();
    await eventually(() => !client.connected, 'the loss');
    const pending = client.chat('dropped');
    await client.exit();
    assert.equal(await client.closed(), undefined);
    await assert.rejects(pending, (err: NatterError) => err.code === 'CLOSED');
    assert.equal(streams.length, 1);
  });

  it('a connection closed for what the client sent is not reconnected', async (t) => {
    const { client, streams } = await scriptedClient(t);
    streams[0]!.send({
      cmd: '911',
      error: 'BANNED_PHRASE',
      reason: 'banned',
      fatal: true,
    });
    streams[0]!.close();
    assert.equal((await client.closed())?.code, '911');
    assert.equal(streams.length, 1);
  });
});
