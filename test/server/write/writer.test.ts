import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counters } from '../../../src/server/counters.js';
import { RoomLog } from '../../../src/server/write/room-log.js';
import { WriteScheduler } from '../../../src/server/write/scheduler.js';
import { Writer } from '../../../src/server/write/writer.js';
import { CaptureLink } from '../../capture-link.js';
import { FakeClock } from '../../fake-clock.js';

/** A scheduler whose turns end when the test says so; `delays` are the waits it asked for. */
function manualTurns(clock: FakeClock) {
  const queued: (() => void)[] = [];
  const delays: number[] = [];
  const scheduler = new WriteScheduler(undefined, clock, (run, delayMs) => {
    queued.push(run);
    delays.push(delayMs);
  });
  return { scheduler, delays, endTurn: () => queued.splice(0).forEach((run) => run()) };
}

function writer(maxQueueBytes = 1 << 20) {
  const link = new CaptureLink();
  const clock = new FakeClock();
  const turns = manualTurns(clock);
  let overflows = 0;
  const counters = new Counters();
  const context = { flushes: turns.scheduler, clock, maxQueueBytes, counters };
  const w = new Writer(link, context, undefined, { overflowed: () => void overflows++ });
  return { w, link, clock, turns, counters, overflows: () => overflows };
}

const frame = (text: string) => Buffer.from(`{"t":"${text}"}\n`);

describe('Writer: the single write path of a connection', () => {
  it('writes everything queued in one turn as one write, at the end of the turn', () => {
    const { w, link, turns } = writer();
    w.send(frame('a'));
    w.send(frame('b'));
    assert.equal(link.writes.length, 0, 'nothing before the end of the turn');
    turns.endTurn();
    assert.equal(link.writes.length, 1);
    assert.deepEqual(link.messages, [{ t: 'a' }, { t: 'b' }]);
  });

  it("interleaves its room's frames with its own in order", () => {
    const { w, link, turns } = writer();
    const log = new RoomLog('r');
    const room = { log, members: new Set([w]) };
    w.enterRoom(log);
    turns.scheduler.roomChanged(room);
    log.append(frame('room1'));
    w.send(frame('own'));
    log.append(frame('room2'));
    turns.endTurn();
    assert.deepEqual(link.messages, [{ t: 'room1' }, { t: 'own' }, { t: 'room2' }]);
    assert.equal(log.length, 0, 'the log starts over after the turn');
  });

  it('writes a burst of 32 KiB at once rather than holding it to the end of the turn', () => {
    const { w, link } = writer();
    w.send(Buffer.alloc(32 * 1024, 0x20));
    assert.equal(link.writes.length, 1);
  });

  it('notes when the transport stalls and reports a slow consumer over maxQueueBytes', async () => {
    const { w, link, clock, turns, overflows } = writer(1024);
    link.accepting = false;
    w.send(frame('a'));
    turns.endTurn();
    assert.equal(w.stalledSince, clock.now());
    assert.equal(overflows(), 0, 'within the limit');
    link.writableLength = 2048;
    w.send(frame('b'));
    turns.endTurn();
    assert.equal(overflows(), 0, 'told after the turn, not in the middle of its flush');
    await Promise.resolve();
    assert.equal(overflows(), 1);
    w.send(frame('c'));
    turns.endTurn();
    await Promise.resolve();
    assert.equal(overflows(), 1, 'once');
    w.drained();
    assert.equal(w.stalledSince, 0);
  });

  it('counts every byte it hands to the link: one part, small parts joined, large ones as they are', () => {
    const { w, link, turns, counters } = writer();
    const handed = () => link.writes.reduce((sum, b) => sum + b.length, 0);
    w.send(frame('one'));
    turns.endTurn();
    assert.equal(counters.bytesOut, handed());
    const log = new RoomLog('r');
    w.enterRoom(log);
    turns.scheduler.roomChanged({ log, members: new Set([w]) });
    log.append(frame('room'));
    w.send(frame('own'));
    log.append(Buffer.alloc(20 * 1024, 0x20)); // over the copy limit: a corked vector write
    turns.endTurn();
    assert.equal(link.writes.length, 2);
    assert.equal(counters.bytesOut, handed());
    const expected = [frame('one'), frame('room'), frame('own')].reduce((n, f) => n + f.length, 0);
    assert.equal(counters.bytesOut, expected + 20 * 1024);
  });

  it('counts a direct write whole: what the socket took and the rest through the link', () => {
    const { w, link, counters } = writer();
    const data = Buffer.alloc(100, 0x20);
    w.sentDirect(1, data, 100, undefined);
    assert.equal(counters.bytesOut, 100);
    w.sentDirect(2, data, 40, undefined);
    assert.equal(link.writes[0]?.length, 60, 'the rest went to the link');
    assert.equal(counters.bytesOut, 200);
    w.sentDirect(3, data, 0, new Error('reset'));
    assert.equal(counters.bytesOut, 200, 'nothing is handed over when the socket failed');
  });

  it('writes nothing once finished or stopped, and flushes what is queued when finishing', () => {
    const { w, link, turns } = writer();
    w.send(frame('last'));
    w.finish();
    assert.deepEqual(link.messages, [{ t: 'last' }]);
    w.send(frame('more'));
    turns.endTurn();
    assert.equal(link.messages.length, 1);
  });

  it('after a slow flush with joins the next waits as long, at most 50 ms; chats never wait', () => {
    const clock = new FakeClock();
    const { scheduler, delays, endTurn } = manualTurns(clock);
    /** A link whose writes take `writeMs` of the clock's time. */
    const link = new CaptureLink();
    let writeMs = 0;
    const write = link.write.bind(link);
    link.write = (data) => {
      clock.advance(writeMs);
      return write(data);
    };
    const context = { flushes: scheduler, clock, maxQueueBytes: 1 << 20, counters: new Counters() };
    const w = new Writer(link, context, undefined, { overflowed: () => undefined });
    const turn = (ms: number, joins: boolean) => {
      writeMs = ms;
      w.send(frame('x'));
      if (joins) scheduler.joined();
      endTurn();
    };
    turn(30, false); // a slow flush of chats
    turn(30, true); // a slow flush with joins
    turn(80, true); // a slower one
    turn(19, true); // a quick one
    turn(0, false);
    w.send(frame('last'));
    assert.deepEqual(delays, [0, 0, 30, 50, 0, 0]);
  });
});
