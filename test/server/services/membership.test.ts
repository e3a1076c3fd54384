import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackendUnavailableError, OutcomeUnknownError } from '../../../src/backends/errors.js';
import { MemoryDirectory } from '../../../src/backends/memory-directory.js';
import { eventDelivery } from '../../../src/backends/membership-events.js';
import { answerWith, node } from '../../membership-harness.js';

describe('Membership: joins and leaves in each room’s order (docs/DEVELOPING.md)', () => {
  it('a joiner becomes a member where its own 8 stands, its 03 first, and not before', async () => {
    const n = node();
    const a = await n.join('a');
    n.received(a);
    n.chat(a, 'before'); // published before b's 8: b must not get it
    const b = await n.enter('b');
    n.chat(a, 'after'); // published after: b must get it, after its 03
    assert.equal(b.session.phase, 'joining', 'nothing has come back yet');
    let entered = false;
    void b.entered.then(() => (entered = true));
    await Promise.resolve();
    assert.equal(entered, false, 'the join waits for its own 8');
    n.bus.deliver();
    await b.entered;
    assert.equal(b.session.phase, 'member');
    assert.deepEqual(n.received(a, b), [['8:b2'], ['03:2', '70:after']]);
    assert.ok(n.logs.includes('b joined lobby. There are 2 users in lobby.'));
  });

  it('the 8s of racing joiners come in the directory’s order, each with its count', async () => {
    const n = node();
    const a = await n.join('a');
    n.received(a);
    const others = await Promise.all(['b', 'c', 'd', 'e'].map((nick) => n.enter(nick)));
    n.bus.deliver();
    await Promise.all(others.map((o) => o.entered));
    assert.deepEqual(n.received(a), [['8:b2', '8:c3', '8:d4', '8:e5']]);
    const [b, c, d, e] = others;
    assert.deepEqual(n.received(b!, c!, d!, e!), [
      ['03:2', '8:c3', '8:d4', '8:e5'],
      ['03:3', '8:d4', '8:e5'],
      ['03:4', '8:e5'],
      ['03:5'],
    ]);
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

  it('a leaver is out of its room at once; the directory announces its 30, with the count', async () => {
    const n = node();
    const [a, b, c] = [await n.join('a'), await n.join('b'), await n.join('c')];
    n.received(a, b, c);
    const was = b.session.beginClose()!;
    const released = n.membership.leave(b.session, was, { kind: 'exit' });
    n.chat(a, 'after b left');
    await released;
    n.bus.deliver();
    assert.deepEqual(n.received(a, b, c), [['30:b2'], [], ['30:b2', '70:after b left']]);
    assert.ok(n.logs.includes('b left lobby. There are 2 users in lobby.'));
    assert.equal(await n.directory.find('b'), undefined);
  });

  it('a mover gets the old room up to its own 30, then its answer, then the new room', async () => {
    const n = node();
    const a = await n.join('a');
    const b = await n.join('b');
    const c = await n.join('c', 'dev');
    n.received(a, b, c);
    n.chat(a, 'old room, before');
    const moved = n.membership.move(b.session, 'dev', answerWith(b, '120'));
    await new Promise((resolve) => setImmediate(resolve)); // the directory has moved b
    n.chat(a, 'old room, after');
    n.chat(c, 'new room, after');
    assert.equal(b.session.roomKey, 'lobby', 'still in the old room until its 8 is back');
    n.bus.deliver();
    assert.deepEqual(await moved, { ok: true, room: 'dev', userCount: 2 });
    assert.equal(b.session.room, 'dev');
    assert.deepEqual(n.received(a, b, c), [
      ['30:b1'],
      ['70:old room, before', '120:2', '70:new room, after'],
      ['8:b2'],
    ]);
  });

  it('a mover keeps the old room watched until its own 30 is back', async () => {
    const n = node();
    const a = await n.join('a');
    const b = await n.join('b');
    n.received(a, b);
    const moved = n.membership.move(b.session, 'dev', answerWith(b, '120'));
    await new Promise((resolve) => setImmediate(resolve)); // the directory has moved b
    assert.equal(n.bus.watching.get('lobby'), 2, 'the old room is still watched for its 30');
    n.bus.deliver();
    await moved;
    assert.equal(n.bus.watching.get('lobby'), 1, 'let go once its own 30 came back');
    assert.equal(n.bus.watching.get('dev'), 1);
  });

  it('a mover whose own 30 was lost still leaves the old room when it arrives', async () => {
    const n = node();
    const a = await n.join('a');
    const b = await n.join('b');
    n.received(a, b);
    const moved = n.membership.move(b.session, 'dev', answerWith(b, '120'));
    await new Promise((resolve) => setImmediate(resolve));
    n.bus.lose(); // the 30 and the 8 never come back
    n.clock.advance(3000);
    await moved;
    n.chat(a, 'old room');
    n.bus.deliver();
    // b is told that what the room said around its arrival may be lost (its 8 was).
    assert.deepEqual(n.received(a, b), [[], ['120:1', '73:']]);
    assert.equal(n.bus.watching.get('lobby'), 1, 'only a watches the old room');
  });

  it('a claim whose answer was lost is undone, and the join fails as not made', async () => {
    let claimed: Promise<unknown> | undefined;
    const n = node((bus) => {
      const directory = new MemoryDirectory(bus);
      const claim = directory.claim.bind(directory);
      directory.claim = (...args) => {
        // The claim is made, but its answer never comes back.
        claimed = claim(...args);
        return claimed.then(() => Promise.reject(new OutcomeUnknownError('reset')));
      };
      return directory;
    });
    const a = await n.enter('a');
    const failure = await a.entered.catch((err: unknown) => err);
    assert.ok(failure instanceof BackendUnavailableError, 'answered 923');
    assert.ok(!(failure instanceof OutcomeUnknownError), 'as a change not made');
    await n.membership.settled();
    assert.equal(await n.directory.find('a'), undefined, 'no ghost holds the nickname');
    assert.equal(a.session.phase, 'new');
  });

  it('refuses a move to a full room or the same room without announcing anything', async () => {
    const n = node();
    const a = await n.join('a');
    const outcome = await n.membership.move(a.session, 'LOBBY', answerWith(a, '120'));
    assert.deepEqual(outcome, { ok: false, reason: 'same-room' });
    assert.equal(n.bus.inFlight.length, 0);
    assert.equal(n.bus.watching.get('lobby'), 1, 'only its own room is watched');
  });

  it('a 30 about a member that is still here is not delivered to it', async () => {
    const n = node();
    const a = await n.join('a');
    const b = await n.join('b');
    n.received(a, b);
    // Another node took this node for dead and reaped a.
    const id = a.session.id;
    n.bus.publish(eventDelivery({ kind: 'leave', room: 'lobby', id, nickname: 'a', userCount: 1 }));
    n.chat(b, 'still here?');
    n.bus.deliver();
    assert.deepEqual(n.received(a, b), [['70:still here?'], ['30:a1']]);
    assert.equal(a.session.phase, 'member');
  });

  it('a join whose own 8 was lost goes ahead 3 s after the directory answered, told of the loss', async () => {
    const n = node();
    const a = await n.enter('a');
    n.bus.lose();
    n.clock.advance(2999);
    assert.equal(a.session.phase, 'joining');
    n.clock.advance(1);
    await a.entered;
    assert.equal(a.session.phase, 'member');
    assert.deepEqual(n.received(a), [['03:1', '73:']]);
    assert.equal(n.clock.timers, 0);
  });

  it('a session that closes while its 8 is on the way never becomes a member', async () => {
    const n = node();
    const a = await n.join('a');
    n.received(a);
    const b = await n.enter('b');
    const was = b.session.beginClose()!;
    assert.equal(n.membership.leave(b.session, was, { kind: 'lost' }), undefined);
    await b.entered;
    await n.membership.settled();
    n.chat(a, 'later');
    n.bus.deliver();
    assert.equal(b.session.phase, 'closing');
    assert.deepEqual(n.received(a, b), [['8:b2', '30:b1'], []]);
    assert.equal(n.clock.timers, 0, 'no fallback timer left behind');
  });

  it('a claim the directory cannot make leaves the session new, with nothing pending', async () => {
    const n = node((bus) => {
      const directory = new MemoryDirectory(bus);
      directory.claim = () => Promise.reject(new BackendUnavailableError('away'));
      return directory;
    });
    const a = await n.enter('a');
    const failure = await a.entered.catch((err: unknown) => err);
    assert.ok(failure instanceof BackendUnavailableError, 'the join fails');
    n.clock.advance(10_000);
    assert.equal(a.session.phase, 'new', 'the client may try again');
    assert.equal(n.clock.timers, 0);
    assert.equal(n.bus.watching.size, 0, 'no watch left');
  });

  it('a move the directory cannot make leaves the member where it was', async () => {
    const n = node();
    const a = await n.join('a');
    const b = await n.join('b');
    n.received(a, b);
    n.directory.move = () => Promise.reject(new BackendUnavailableError('away'));
    const failure = await n.membership
      .move(a.session, 'dev', answerWith(a, '120'))
      .catch((err: unknown) => err);
    assert.ok(failure instanceof BackendUnavailableError, 'the move is answered 923');
    n.clock.advance(10_000);
    assert.equal(n.clock.timers, 0, 'no join waits to take effect');
    assert.equal(a.session.roomKey, 'lobby');
    assert.equal(n.bus.watching.get('dev'), undefined, 'no watch left on the target');
    n.chat(b, 'still together');
    n.bus.deliver();
    assert.deepEqual(n.received(a, b), [['70:still together'], []]);
  });

  it('messages a node missed are reported to the room’s members, in the room’s order', async () => {
    const n = node();
    const a = await n.join('a');
    const b = await n.join('b');
    n.received(a, b);
    n.chat(a, 'before');
    n.bus.deliver();
    n.bus.receive({ kind: 'gap', room: 'lobby', from: 7, to: 9 });
    n.bus.receive({ kind: 'gap', room: 'elsewhere', from: 1, to: 2 });
    n.chat(a, 'after');
    n.bus.deliver();
    n.received(a); // ends the turn
    assert.deepEqual(b.link.messages, [
      { cmd: '70', from: 'a', msg: 'before' },
      { cmd: '73', room: 'lobby', from: 7, to: 9 },
      { cmd: '70', from: 'a', msg: 'after' },
    ]);
  });

  it('whispers are encoded for the recipient: 72 with the whisper capability, else 70', async () => {
    const n = node();
    const modern = await n.join('modern', 'lobby', ['whisper']);
    const seed = await n.join('seed');
    n.received(modern, seed);
    n.announcer.whisper(
      { id: modern.session.id, node: 'node' },
      { id: 'node:x', nickname: 'x' },
      'psst',
    );
    n.announcer.whisper(
      { id: seed.session.id, node: 'node' },
      { id: 'node:x', nickname: 'x' },
      'psst',
    );
    n.announcer.whisper(
      { id: 'node:nobody', node: 'node' },
      { id: 'node:x', nickname: 'x' },
      'lost',
    );
    n.bus.deliver();
    assert.deepEqual(n.received(modern, seed), [['72:psst'], ['70:psst']]);
  });

  it('a node that may not admit members (its lease ran out) refuses a join untouched', async () => {
    let serving = false;
    const n = node(undefined, 'node', () => serving);
    const a = await n.enter('a');
    await assert.rejects(a.entered, BackendUnavailableError);
    assert.equal(a.session.phase, 'new');
    assert.equal(await n.directory.find('a'), undefined);
    assert.equal(n.bus.inFlight.length, 0, 'nothing announced');
    serving = true;
    const b = await n.join('b');
    assert.equal(b.session.phase, 'member');
  });

  it('a whisper that arrives before its joiner’s own 8 is delivered after its 03', async () => {
    const n = node();
    const a = await n.join('a');
    n.received(a);
    const b = await n.enter('b');
    // The directory lists b: a whisper to it is sent, and arrives here first (another channel).
    n.bus.inFlight.unshift({
      kind: 'whisper',
      node: 'node',
      to: b.session.id,
      from: 'a',
      msg: 'hi',
    });
    n.bus.deliver(1);
    assert.equal(b.session.phase, 'joining');
    n.bus.deliver();
    await b.entered;
    assert.deepEqual(n.received(a, b), [['8:b2'], ['03:2', '70:hi']]);
  });

  it('a release the directory cannot take is handed on, to be made later', async () => {
    const n = node();
    const a = await n.join('a');
    n.directory.release = () => Promise.reject(new BackendUnavailableError('away'));
    const was = a.session.beginClose()!;
    await n.membership.leave(a.session, was, { kind: 'lost' });
    assert.deepEqual(n.postponed, [{ id: a.session.id, nickname: 'a', room: 'lobby' }]);
    await n.membership.settled();
  });
});
