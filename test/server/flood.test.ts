import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawClient, joinAll, startServer } from '../helpers.js';

/** Flood control applies to addresses outside the exempt list; loopback is exempt by default. */
const LIMITED = { exemptAddresses: [] as string[] };

describe('flood control (rule 5.7)', () => {
  it('over the burst, a request gets 916 with retryAfterMs and is not executed', async (t) => {
    // A rate so slow that no token comes back during the test.
    const server = await startServer(t, { ...LIMITED, floodBurst: 5, floodRate: 0.001 });
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']); // CONNECT takes a token each
    for (let i = 0; i < 5; i++) bob!.send({ cmd: '7', msg: `m${i}`, id: i });
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await bob!.next());
    assert.deepEqual(
      answers.map((a) => a.cmd),
      ['71', '71', '71', '71', '916'],
    );
    const refusal = answers[4]!;
    assert.equal(refusal.error, 'RATE_LIMITED');
    assert.equal(refusal.request, '7');
    assert.equal(refusal.id, 4);
    assert.ok(Number(refusal.retryAfterMs) > 0);
    assert.equal(refusal.fatal, undefined);
    for (let i = 0; i < 4; i++) assert.equal((await alice!.expect('70')).msg, `m${i}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(alice!.messages.length, 0, 'the refused chat was not delivered');
  });

  it('a CONNECT and a flood in one write: every request answered in order, then 917', async (t) => {
    const server = await startServer(t, {
      ...LIMITED,
      floodBurst: 10,
      floodRate: 0.001,
      floodStrikes: 5,
    });
    const [alice] = await joinAll(t, server, ['alice']);
    const flooder = await RawClient.open(t, server);
    const burst = [{ cmd: '0', nickname: 'flooder', id: 'c' }];
    for (let i = 0; i < 30; i++) burst.push({ cmd: '7', msg: `m${i}`, id: i } as never);
    flooder.send(burst.map((r) => JSON.stringify(r)).join('\n') + '\n');
    // The CONNECT took a token, 9 chats the rest; 5 refusals in a row end the session.
    const answers = [];
    for (;;) {
      const m = await flooder.next().catch(() => undefined);
      if (!m) break;
      answers.push(`${m.cmd}:${String(m.id)}`);
    }
    const chats = Array.from({ length: 9 }, (_, i) => `71:${i}`);
    // Five refusals, each answered, then the cut-off.
    const refused = Array.from({ length: 5 }, (_, i) => `916:${9 + i}`);
    assert.deepEqual(answers, ['03:c', ...chats, ...refused, '917:undefined']);
    await flooder.waitClosed();
    assert.equal((await alice!.expect('8')).nickname, 'flooder');
    for (let i = 0; i < 9; i++) assert.equal((await alice!.expect('70')).msg, `m${i}`);
    assert.equal((await alice!.expect('30')).nickname, 'flooder');
  });

  it('tokens come back at floodRate: a client that waits retryAfterMs succeeds', async (t) => {
    const server = await startServer(t, { ...LIMITED, floodBurst: 2, floodRate: 10 });
    const [alice] = await joinAll(t, server, ['alice']); // 1 token left
    alice!.send({ cmd: '4' });
    alice!.send({ cmd: '4' });
    assert.equal((await alice!.next()).cmd, '40');
    const refusal = await alice!.expect('916');
    await new Promise((resolve) => setTimeout(resolve, Number(refusal.retryAfterMs)));
    alice!.send({ cmd: '4' });
    assert.equal((await alice!.next()).cmd, '40');
  });

  it('persistent abuse is disconnected with 917 after floodStrikes refusals; the room gets 30', async (t) => {
    const server = await startServer(t, {
      ...LIMITED,
      floodBurst: 3,
      floodRate: 0.001,
      floodStrikes: 20,
    });
    const [alice, flooder] = await joinAll(t, server, ['alice', 'flooder']);
    flooder!.send('{"cmd":"4"}'.repeat(200));
    const codes: string[] = [];
    while (!flooder!.closed || flooder!.messages.length > 0) {
      const m = await flooder!.next().catch(() => undefined);
      if (!m) break;
      codes.push(m.cmd);
    }
    // 2 tokens were left after CONNECT: two answers, then every refusal is answered, and after
    // the 20th comes 917.
    assert.deepEqual(codes, ['40', '40', ...new Array<string>(20).fill('916'), '917']);
    assert.deepEqual(await alice!.next(), { cmd: '30', nickname: 'flooder', userCount: 1 });
  });

  it('garbage takes tokens too, so it cannot buy unlimited error answers', async (t) => {
    const server = await startServer(t, {
      ...LIMITED,
      floodBurst: 3,
      floodRate: 0.001,
      floodStrikes: 10,
    });
    const client = await RawClient.open(t, server);
    client.send('x\n'.repeat(100));
    await client.waitClosed();
    const codes = client.messages.map((m) => m.cmd);
    assert.deepEqual(codes, ['900', '900', '900', ...new Array<string>(10).fill('916'), '917']);
  });

  it('exempts loopback by default, and can be turned off with floodRate 0', async (t) => {
    for (const options of [
      { floodBurst: 2, floodRate: 0.001 },
      { ...LIMITED, floodRate: 0 },
    ]) {
      const server = await startServer(t, options);
      const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
      for (let i = 0; i < 300; i++) bob!.send({ cmd: '7', msg: String(i) });
      for (let i = 0; i < 300; i++) assert.equal((await alice!.expect('70')).msg, String(i));
    }
  });
});
