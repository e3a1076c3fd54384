import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counters } from '../../../src/server/counters.js';
import { LocalRooms } from '../../../src/server/services/local-rooms.js';
import type { FanoutRoom } from '../../../src/server/write/scheduler.js';
import { Writer } from '../../../src/server/write/writer.js';
import { CaptureLink } from '../../capture-link.js';
import { FakeClock } from '../../fake-clock.js';

function setup() {
  const changed: FanoutRoom[] = [];
  const rooms = new LocalRooms({
    roomChanged: (room) => {
      if (room.log.scheduled) return;
      room.log.scheduled = true;
      changed.push(room);
    },
  });
  const clock = new FakeClock();
  const writer = () =>
    new Writer(
      new CaptureLink(),
      {
        flushes: { flushSoon: () => undefined },
        clock,
        maxQueueBytes: 1 << 20,
        counters: new Counters(),
      },
      undefined,
      { overflowed: () => undefined },
    );
  return { rooms, changed, writer };
}

const frame = (text: string) => Buffer.from(`${text}\n`);

describe('LocalRooms: whom to write to on this node', () => {
  it('indexes members by room, and a member by the room whose log it follows', () => {
    const { rooms, writer } = setup();
    const [a, b, c] = [writer(), writer(), writer()];
    rooms.add(a, 'lobby', 'lobby', false);
    rooms.add(b, 'lobby', 'lobby', true);
    rooms.add(c, 'dev', 'dev', false);
    assert.deepEqual([...rooms.get('lobby')!.members], [a, b]);
    assert.deepEqual([...rooms.get('lobby')!.extended], [b], 'extended clients, apart');
    rooms.remove(b);
    assert.deepEqual([...rooms.get('lobby')!.extended], []);
    assert.equal(a.room, rooms.get('lobby')!.log);
    assert.equal(c.room?.key, 'dev');
  });

  it('a room with frames this turn is handed to the scheduler once', () => {
    const { rooms, changed, writer } = setup();
    rooms.add(writer(), 'lobby', 'lobby', false);
    const lobby = rooms.get('lobby')!;
    assert.equal(rooms.publish(lobby, frame('1')), 0);
    assert.equal(rooms.publish(lobby, frame('2')), 1);
    assert.deepEqual(changed, [lobby]);
  });

  it('forgets an empty room; a member that leaves keeps what was published before', () => {
    const { rooms, writer } = setup();
    const a = writer();
    rooms.add(a, 'lobby', 'lobby', false);
    const lobby = rooms.get('lobby')!;
    rooms.publish(lobby, frame('before'));
    rooms.remove(a);
    rooms.publish(lobby, frame('after'));
    assert.equal(rooms.get('lobby'), undefined);
    assert.equal(a.room, undefined);
    assert.equal(a.outbox.isEmpty, false, 'the frame from before is still owed');
    lobby.log.materialise();
    assert.equal(Buffer.concat(a.outbox.take()).toString(), 'before\n');
    rooms.remove(a); // twice is harmless
    rooms.add(a, 'lobby', 'lobby', false);
    assert.notEqual(rooms.get('lobby'), lobby, 'a new room of the same name');
  });
});
