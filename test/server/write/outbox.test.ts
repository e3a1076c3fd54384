import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Outbox } from '../../../src/server/write/outbox.js';
import { RoomLog } from '../../../src/server/write/room-log.js';

const frame = (text: string) => Buffer.from(`${text}\n`);
/** What a member is sent, as the frames' text. */
const taken = (outbox: Outbox) =>
  Buffer.concat(outbox.take())
    .toString()
    .split('\n')
    .filter((l) => l !== '');

describe('Outbox: what one connection is owed, in order', () => {
  it('a member that only follows its room queues nothing of its own', () => {
    const log = new RoomLog('r');
    const outbox = new Outbox();
    outbox.enterRoom(log);
    assert.equal(outbox.isEmpty, true);
    log.append(frame('m1'));
    log.append(frame('m2'));
    assert.equal(outbox.isEmpty, false);
    assert.equal(outbox.ownQueued, 0, 'room frames are shared, not counted');
    assert.equal(outbox.isWholeRun(log), true);
    log.materialise();
    const parts = outbox.take();
    assert.equal(parts.length, 1);
    assert.deepEqual(parts[0], log.buffer);
    assert.equal(parts[0]!.buffer, log.buffer!.buffer, "a view of the room's buffer, not a copy");
    assert.equal(outbox.isEmpty, true);
  });

  it('keeps own frames in place between room frames', () => {
    const log = new RoomLog('r');
    const outbox = new Outbox();
    outbox.enterRoom(log);
    log.append(frame('m1'));
    outbox.push(frame('own1'));
    log.append(frame('m2'));
    log.append(frame('m3'));
    outbox.push(frame('own2'));
    assert.equal(outbox.ownQueued, 10);
    assert.equal(outbox.isWholeRun(log), false);
    log.materialise();
    assert.deepEqual(taken(outbox), ['m1', 'own1', 'm2', 'm3', 'own2']);
  });

  it("leaves out the member's own frame of the room (its chat)", () => {
    const log = new RoomLog('r');
    const outbox = new Outbox();
    outbox.enterRoom(log);
    log.append(frame('m1'));
    outbox.exclude(log, log.append(frame('mine')));
    log.append(frame('m3'));
    outbox.exclude(new RoomLog('other'), 0); // another room's frame: nothing to leave out
    log.materialise();
    assert.deepEqual(taken(outbox), ['m1', 'm3']);
  });

  it('follows a room from the frame after it entered, and keeps what came before it left', () => {
    const log = new RoomLog('r');
    log.append(frame('before'));
    const outbox = new Outbox();
    outbox.enterRoom(log);
    log.append(frame('during'));
    outbox.leaveRoom();
    assert.equal(outbox.following, undefined);
    log.append(frame('after'));
    log.materialise();
    assert.deepEqual(taken(outbox), ['during']);
  });

  it('a cursor from an earlier turn counts from the start of the new turn', () => {
    const log = new RoomLog('r');
    const outbox = new Outbox();
    outbox.enterRoom(log);
    log.append(frame('t1'));
    log.materialise();
    assert.deepEqual(taken(outbox), ['t1']);
    log.reset();
    log.append(frame('t2a'));
    log.append(frame('t2b'));
    assert.equal(outbox.isWholeRun(log), true);
    log.materialise();
    assert.deepEqual(taken(outbox), ['t2a', 't2b']);
  });

  it('a direct write of the whole run marks it sent; drop forgets everything queued', () => {
    const log = new RoomLog('r');
    const outbox = new Outbox();
    outbox.enterRoom(log);
    log.append(frame('a'));
    outbox.skipRun();
    assert.equal(outbox.isEmpty, true);
    log.append(frame('b'));
    outbox.push(frame('own'));
    outbox.drop();
    assert.equal(outbox.isEmpty, true);
    assert.equal(outbox.ownQueued, 0);
    log.append(frame('c'));
    log.materialise();
    assert.deepEqual(taken(outbox), ['c']);
  });
});
