import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventDelivery } from '../../../src/backends/membership-events.js';
import { node } from '../../membership-harness.js';

/** Frames received, in all, by each client since the last call (the turn is ended first). */
function frames(received: string[][]): number {
  return received.reduce((sum, list) => sum + list.length, 0);
}

describe('Deliveries: counted once per recipient, for the metrics', () => {
  it('a room frame counts its local recipients: the sender and the joiner are not among them', async () => {
    const n = node();
    const a = await n.join('a');
    assert.equal(n.counters.roomDeliveries, 0, "a's own 8 reaches nobody: a is not in yet");
    const b = await n.join('b');
    const c = await n.join('c');
    assert.deepEqual(n.received(a, b, c), [['03:1', '8:b2', '8:c3'], ['03:2', '8:c3'], ['03:3']]);
    assert.equal(n.counters.roomDeliveries, 3, 'b joining reached a; c joining reached a and b');

    n.chat(a, 'hello');
    n.bus.deliver();
    assert.equal(frames(n.received(a, b, c)), 2);
    assert.equal(n.counters.roomDeliveries, 5, "a's chat: b and c, not a");

    // A chat from another node's member: every member here receives it.
    n.bus.publish({
      kind: 'room',
      room: 'lobby',
      frame: Buffer.from('{"cmd":"70"}\n'),
      except: 'x',
    });
    n.bus.deliver();
    assert.equal(frames(n.received(a, b, c)), 3);
    assert.equal(n.counters.roomDeliveries, 8);
    assert.equal(n.counters.whisperDeliveries, 0);
  });

  it('a leaver is not counted for its own 30, nor a member the others took for dead', async () => {
    const n = node();
    const [a, b, c] = [await n.join('a'), await n.join('b'), await n.join('c')];
    n.received(a, b, c);
    const before = n.counters.roomDeliveries;
    const released = n.membership.leave(b.session, b.session.beginClose()!, { kind: 'exit' });
    await released;
    n.bus.deliver();
    assert.deepEqual(n.received(a, b, c), [['30:b2'], [], ['30:b2']]);
    assert.equal(n.counters.roomDeliveries - before, 2);
    const id = a.session.id;
    n.bus.publish(eventDelivery({ kind: 'leave', room: 'lobby', id, nickname: 'a', userCount: 1 }));
    n.bus.deliver();
    assert.deepEqual(n.received(a, c), [[], ['30:a1']]);
    assert.equal(n.counters.roomDeliveries - before, 3, 'only c');
  });

  it('a whisper counts once when its recipient is here, not at all otherwise', async () => {
    const n = node();
    const a = await n.join('a');
    n.received(a);
    const from = { id: 'node:x', nickname: 'x' };
    n.announcer.whisper({ id: a.session.id, node: 'node' }, from, 'psst');
    n.announcer.whisper({ id: 'node:nobody', node: 'node' }, from, 'lost');
    n.bus.deliver();
    assert.deepEqual(n.received(a), [['70:psst']]);
    assert.equal(n.counters.whisperDeliveries, 1);
  });
});
