import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackendUnavailableError } from '../../../src/backends/errors.js';
import { MemoryDirectory } from '../../../src/backends/memory-directory.js';
import { node } from '../../membership-harness.js';

describe('Membership: joins and leaves in each room’s order (docs/DEVELOPING.md)', () => {
  it('a joiner becomes a member where its own 8 stands, and not before', async () => {
    const n = node();
    const a = await n.join('a');
    n.received(a);
    n.chat(a, 'before'); // published before b's 8: b must not get it
    const b = await n.enter('b');
    n.chat(a, 'after'); // published after: b must get it
    assert.equal(b.session.phase, 'joining', 'nothing has come back yet');
    let entered = false;
    void b.entered.then(() => (entered = true));
    await Promise.resolve();
    assert.equal(entered, false, 'the join waits for its own 8');
    n.bus.deliver();
    await b.entered;
    assert.equal(b.session.phase, 'member');
    assert.deepEqual(n.received(a, b), [['8:b2'], ['70:after']]);
    assert.ok(n.logs.includes('b joined lobby. There are 2 users in lobby.'));
  });

  it('a sender does not receive its own chat', async () => {
    const n = node();
    const a = await n.join('a');
    const b = await n.join('b');
    n.received(a, b);
    n.chat(a, 'hi');
    n.bus.deliver();
    assert.deepEqual(n.received(a, b), [[], ['70:hi']]);
  });

  it('a leaver is out of its room at once; the 30 carries the directory’s count', async () => {
    const n = node();
    const [a, b, c] = [await n.join('a'), await n.join('b'), await n.join('c')];
    n.received(a, b, c);
    const was = b.session.beginClose()!;
    const released = n.membership.leave(b.session, was, { kind: 'exit' });
    n.chat(a, 'after b left');
    await released;
    n.bus.deliver();
    assert.deepEqual(n.received(a, b, c), [['30:b2'], [], ['70:after b left', '30:b2']]);
    assert.ok(n.logs.includes('b left lobby. There are 2 users in lobby.'));
    assert.equal(await n.directory.find('b'), undefined);
  });

  it('a mover gets the old room up to its own 30 and the new room from its own 8', async () => {
    const n = node();
    const a = await n.join('a');
    const b = await n.join('b');
    const c = await n.join('c', 'dev');
    n.received(a, b, c);
    n.chat(a, 'old room, before');
    const moved = n.membership.move(b.session, 'dev');
    await new Promise((resolve) => setImmediate(resolve)); // the directory has moved b
    n.chat(a, 'old room, after');
    n.chat(c, 'new room, after');
    assert.equal(b.session.roomKey, 'lobby', 'still in the old room until its 8 is back');
    n.bus.deliver();
    assert.deepEqual(await moved, { ok: true, room: 'dev', userCount: 2 });
    assert.equal(b.session.room, 'dev');
    assert.deepEqual(n.received(a, b, c), [
      ['30:b1'],
      ['70:old room, before', '70:new room, after'],
      ['8:b2'],
    ]);
  });

  it('refuses a move to a full room or the same room without announcing anything', async () => {
    const n = node();
    const a = await n.join('a');
    assert.deepEqual(await n.membership.move(a.session, 'LOBBY'), {
      ok: false,
      reason: 'same-room',
    });
    assert.equal(n.bus.inFlight.length, 0);
    assert.equal(n.bus.watching.get('lobby'), 1, 'only its own room is watched');
  });

  it('a 30 about a member that is still here is not delivered to it', async () => {
    const n = node();
    const a = await n.join('a');
    const b = await n.join('b');
    n.received(a, b);
    // Another node took this node for dead and reaped a.
    const exit = { cmd: '30', nickname: 'a', userCount: 1 } as const;
    n.announcer.announce('lobby', exit, undefined, { leaves: a.session.id });
    n.chat(b, 'still here?');
    n.bus.deliver();
    assert.deepEqual(n.received(a, b), [['70:still here?'], ['30:a1']]);
    assert.equal(a.session.phase, 'member');
  });

  it('a join whose own 8 was lost goes ahead after 3 s', async () => {
    const n = node();
    const a = await n.enter('a');
    n.bus.lose();
    n.clock.advance(2999);
    assert.equal(a.session.phase, 'joining');
    n.clock.advance(1);
    await a.entered;
    assert.equal(a.session.phase, 'member');
    assert.equal(n.clock.timers, 0);
  });

  it('a session that closes while its 8 is on the way never becomes a member', async () => {
    const n = node();
    const a = await n.join('a');
    const b = await n.enter('b');
    const was = b.session.beginClose()!;
    assert.equal(n.membership.leave(b.session, was, { kind: 'lost' }), undefined);
    await b.entered;
    n.bus.deliver();
    n.chat(a, 'later');
    n.bus.deliver();
    assert.equal(b.session.phase, 'closing');
    assert.deepEqual(n.received(b), [[]]);
    assert.equal(n.clock.timers, 0, 'no fallback timer left behind');
  });

  it('an announcement that cannot be sent cancels the join', async () => {
    const n = node();
    const b = await n.enter('b'); // the first 8 goes out fine
    n.bus.deliver();
    await b.entered;
    n.bus.publish = () => {
      throw new BackendUnavailableError('the bus is away');
    };
    const c = await n.enter('c');
    const failure = await c.entered.catch((err: unknown) => err);
    assert.ok(failure instanceof BackendUnavailableError, 'the join fails');
    n.clock.advance(10_000);
    assert.equal(c.session.phase, 'new', 'the join was undone, and does not take effect later');
    assert.equal(n.clock.timers, 0);
  });

  it('a move whose announcements cannot be sent leaves the member in its old room here', async () => {
    const n = node();
    const a = await n.join('a');
    const b = await n.join('b');
    n.received(a, b);
    const publish = n.bus.publish.bind(n.bus);
    let calls = 0;
    n.bus.publish = (delivery) => {
      if (++calls === 2) throw new BackendUnavailableError('the bus went away');
      publish(delivery);
    };
    const failure = await n.membership.move(a.session, 'dev').catch((err: unknown) => err);
    assert.ok(failure instanceof BackendUnavailableError, 'the move is answered 923');
    n.bus.publish = publish;
    n.clock.advance(10_000);
    assert.equal(n.clock.timers, 0, 'no join waits to take effect');
    assert.equal(a.session.roomKey, 'lobby', 'still in its old room here (rule 9.12)');
    n.bus.deliver(); // the 30 that did go out is not for a member still here
    n.chat(b, 'still together');
    n.bus.deliver();
    assert.deepEqual(n.received(a, b), [['70:still together'], ['30:a1']]);
  });

  it('whispers are encoded for the recipient: 72 with the whisper capability, else 70', async () => {
    const n = node();
    const modern = await n.join('modern', 'lobby', ['whisper']);
    const seed = await n.join('seed');
    n.received(modern, seed);
    n.announcer.whisper({ id: modern.session.id, node: 'node' }, 'x', 'psst');
    n.announcer.whisper({ id: seed.session.id, node: 'node' }, 'x', 'psst');
    n.announcer.whisper({ id: 'node:nobody', node: 'node' }, 'x', 'lost');
    n.bus.deliver();
    assert.deepEqual(n.received(modern, seed), [['72:psst'], ['70:psst']]);
  });

  it('a release the directory cannot take is handed on, to be announced later', async () => {
    const directory = new MemoryDirectory();
    const n = node(directory);
    const a = await n.join('a');
    directory.release = () => Promise.reject(new BackendUnavailableError('away'));
    const was = a.session.beginClose()!;
    await n.membership.leave(a.session, was, { kind: 'lost' });
    assert.deepEqual(n.postponed, [{ id: a.session.id, nickname: 'a', room: 'lobby' }]);
    await n.membership.settled();
  });
});
