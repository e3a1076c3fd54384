import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { ChatServer, ChatServerOptions } from '../../src/chat-server.js';
import { parking, type NativeAddon, type Parking } from '../../src/server/native.js';
import { systemClock } from '../../src/server/clock.js';
import { SocketParking } from '../../src/transport/parking.js';
import { eventually, join, joinAll, startServer, type RawClient } from '../helpers.js';

/** Parking needs the native addon with epoll (Linux); elsewhere these tests are skipped. */
const skip = parking === undefined ? 'the native addon has no parking here' : false;

const PARK_AFTER_MS = 50;

function start(t: TestContext, options: ChatServerOptions = {}): Promise<ChatServer> {
  return startServer(t, { parkAfterMs: PARK_AFTER_MS, ...options });
}

function stats(server: ChatServer): { parked: number; parks: number; wakes: number } {
  const numbers = server.stats().parking;
  assert.ok(numbers, 'parking is on');
  return numbers;
}

/** Waits until `count` of the server's clients are parked. */
async function parked(server: ChatServer, count: number): Promise<void> {
  await eventually(() => stats(server).parked === count, `${count} parked clients`);
}

async function parkedRoom(t: TestContext, names: string[], options: ChatServerOptions = {}) {
  const server = await start(t, options);
  const clients = await joinAll(t, server, names);
  await parked(server, names.length);
  return { server, clients };
}

describe('parking that cannot start', () => {
  it('says why, and parks nothing: the server runs without it', () => {
    const refused = (): never => {
      throw new Error('parkInit: cannot watch an epoll set');
    };
    const addon: Parking & NativeAddon = {
      sendAll: () => 0,
      parkInit: refused,
      parkStop: refused,
      park: refused,
      unpark: refused,
      closeParked: refused,
    };
    const parkingOf = new SocketParking(addon, 50, systemClock);
    assert.equal(parkingOf.start(), 'parkInit: cannot watch an epoll set');
    parkingOf.close(); // not started: nothing to stop
    assert.deepEqual(parkingOf.stats(), { parked: 0, parks: 0, wakes: 0 });
  });
});

describe('parking idle TCP clients', { skip }, () => {
  it('parks idle members; a parked member still receives room chats and join notices', async (t) => {
    const { server, clients } = await parkedRoom(t, ['alice', 'bob', 'carol']);
    const [alice, bob, carol] = clients as [RawClient, RawClient, RawClient];
    const { wakes } = stats(server);
    alice.send({ cmd: '7', msg: 'to the parked' });
    assert.deepEqual(await bob.next(), { cmd: '70', from: 'alice', msg: 'to the parked' });
    assert.deepEqual(await carol.next(), { cmd: '70', from: 'alice', msg: 'to the parked' });
    // Only the sender was woken: the others were written while parked.
    assert.equal(stats(server).wakes, wakes + 1);
    assert.ok(server.stats().nativeFanout!.sockets >= 2);
    await parked(server, 3);
    const before = stats(server).wakes;
    const dave = await join(t, server, 'dave');
    for (const member of [alice, bob, carol]) assert.equal((await member.next()).cmd, '8');
    assert.equal(stats(server).wakes, before, 'a join notice wakes no one');
    await parked(server, 4);
    await dave.expectQuiet();
  });

  it('writes a frame for one parked member (a whisper) without waking it', async (t) => {
    const { server, clients } = await parkedRoom(t, ['alice', 'bob', 'carol']);
    const [alice, bob, carol] = clients as [RawClient, RawClient, RawClient];
    const { wakes } = stats(server);
    alice.send({ cmd: '2', to: 'bob', msg: 'psst' });
    assert.deepEqual(await alice.next(), { cmd: '22' });
    assert.deepEqual(await bob.next(), { cmd: '70', from: 'alice', msg: 'psst' });
    assert.equal(stats(server).wakes, wakes + 1, 'only the whisperer was woken');
    await carol.expectQuiet();
    await bob.expectQuiet();
  });

  it('wakes a member that sends a request, whole, split across writes or several at once', async (t) => {
    const { server, clients } = await parkedRoom(t, ['alice', 'bob']);
    const bob = clients[1]!;
    bob.send({ cmd: '4' });
    assert.equal((await bob.next()).cmd, '40');
    await parked(server, 2);
    // Half a request wakes it; it is parked again with the half in its reader.
    const { parks } = stats(server);
    bob.send('{"cmd":');
    await eventually(() => stats(server).parks > parks, 'the half-sender parked again');
    await parked(server, 2);
    bob.send('"4"}\n');
    assert.equal((await bob.next()).cmd, '40');
    await parked(server, 2);
    bob.send('{"cmd":"4"}\n{"cmd":"7","msg":"both"}\n{"cmd":"4"}\n');
    assert.equal((await bob.next()).cmd, '40');
    assert.equal((await bob.next()).cmd, '40');
    assert.deepEqual(await clients[0]!.next(), { cmd: '70', from: 'bob', msg: 'both' });
    await bob.expectQuiet();
  });

  it('a parked member that closes (FIN) leaves, and the server forgets it', async (t) => {
    const { server, clients } = await parkedRoom(t, ['alice', 'bob', 'carol']);
    clients[1]!.socket.end();
    await clients[1]!.waitClosed();
    for (const other of [clients[0]!, clients[2]!]) {
      assert.deepEqual(await other.next(), { cmd: '30', nickname: 'bob', userCount: 2 });
    }
    await eventually(() => server.connectionCount === 2, 'bob forgotten');
  });

  it('a parked member that resets leaves, and the server forgets it', async (t) => {
    const { server, clients } = await parkedRoom(t, ['alice', 'bob', 'carol']);
    clients[1]!.socket.resetAndDestroy();
    for (const other of [clients[0]!, clients[2]!]) {
      assert.deepEqual(await other.next(), { cmd: '30', nickname: 'bob', userCount: 2 });
    }
    await eventually(() => server.connectionCount === 2, 'bob forgotten');
    await parked(server, 2);
    await clients[0]!.expectQuiet();
  });

  it('a parked member that stops reading gets what fits, in order, then is cut off', async (t) => {
    const maxQueueBytes = 64 * 1024;
    const { server, clients } = await parkedRoom(t, ['alice', 'bob', 'carol'], { maxQueueBytes });
    const [alice, bob, carol] = clients as [RawClient, RawClient, RawClient];
    bob.socket.pause();
    const msg = 'x'.repeat(4000);
    const bobLeft = () => carol.messages.some((m) => m.cmd === '30');
    for (let i = 0; i < 2000 && !bobLeft(); i++) {
      alice.send({ cmd: '7', msg: `${i} ${msg}` });
      // Carol reads in this process: she must keep up, or she is cut off as a slow consumer too.
      if (i % 10 === 9) {
        const caughtUp = () => carol.messages.filter((m) => m.cmd === '70').length > i;
        await eventually(() => caughtUp() || bobLeft(), 'carol keeps up');
      }
    }
    await eventually(() => carol.messages.some((m) => m.cmd === '30'), "bob's departure");
    bob.socket.resume();
    await bob.waitClosed();
    const got = bob.messages.filter((m) => m.cmd === '70').map((m) => String(m.msg));
    assert.ok(got.length > 0);
    got.forEach((text, i) => assert.ok(text.startsWith(`${i} `), `chat ${i} in order`));
    await eventually(() => server.connectionCount === 2, 'bob forgotten');
  });

  it('a shutdown reaches parked members: they get 912 and are closed', async (t) => {
    const { server, clients } = await parkedRoom(t, ['alice', 'bob']);
    await server.close();
    for (const client of clients) {
      const notice = await client.next();
      assert.equal(notice.cmd, '912');
      assert.equal(notice.error, 'SERVER_SHUTTING_DOWN');
      await client.waitClosed();
    }
    assert.equal(server.connectionCount, 0);
    assert.equal(stats(server).parked, 0);
  });

  it('parks nothing with parkAfterMs 0', async (t) => {
    const server = await startServer(t, { parkAfterMs: 0 });
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    assert.equal(server.stats().parking, undefined);
    await new Promise((resolve) => setTimeout(resolve, PARK_AFTER_MS * 3));
    alice!.send({ cmd: '7', msg: 'awake' });
    assert.deepEqual(await bob!.next(), { cmd: '70', from: 'alice', msg: 'awake' });
  });

  it('parks the members of several servers in one process, each its own', async (t) => {
    const names = [
      ['alice', 'bob'],
      ['carol', 'dave', 'erin'],
    ];
    const rooms = await Promise.all(names.map((room) => parkedRoom(t, room)));
    for (const [n, { server, clients }] of rooms.entries()) {
      const [first, second] = clients as [RawClient, RawClient];
      second.send({ cmd: '4' });
      assert.equal((await second.next()).cmd, '40');
      first.send({ cmd: '7', msg: 'same server' });
      const from = names[n]![0];
      assert.deepEqual(await second.next(), { cmd: '70', from, msg: 'same server' });
      await parked(server, clients.length);
    }
    assert.ok(rooms.every(({ server }) => stats(server).wakes >= 2));
  });
});
