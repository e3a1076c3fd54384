import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RoomLog } from '../../../src/server/write/room-log.js';

const frame = (text: string) => Buffer.from(`${text}\n`);
const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString();

describe('RoomLog: one room, one turn', () => {
  it('appends frames in order and joins them into one buffer at the end of the turn', () => {
    const log = new RoomLog('lobby');
    assert.equal(log.append(frame('a')), 0);
    assert.equal(log.append(frame('bb')), 1);
    assert.equal(log.append(frame('ccc')), 2);
    assert.equal(log.length, 3);
    assert.equal(log.buffer, undefined, 'nothing joined before the end of the turn');
    log.materialise();
    assert.equal(text(log.buffer), 'a\nbb\nccc\n');
  });

  it('slices runs of frames, as views of the joined buffer once there is one', () => {
    const log = new RoomLog('lobby');
    for (const t of ['a', 'bb', 'ccc']) log.append(frame(t));
    assert.equal(text(log.slice(1, 3)), 'bb\nccc\n', 'a copy before the end of the turn');
    assert.equal(text(log.slice(1, 2)), 'bb\n');
    log.materialise();
    const run = log.slice(0, 2);
    assert.equal(text(run), 'a\nbb\n');
    assert.equal(run.buffer, log.buffer!.buffer, 'no copy after it');
  });

  it('a turn of one frame sends that very frame', () => {
    const log = new RoomLog('lobby');
    const only = frame('only');
    log.append(only);
    log.materialise();
    assert.equal(log.buffer, only);
  });

  it('reset empties the log and starts a new epoch', () => {
    const log = new RoomLog('lobby');
    log.append(frame('a'));
    log.scheduled = true;
    log.materialise();
    const epoch = log.epoch;
    log.reset();
    assert.equal(log.length, 0);
    assert.equal(log.buffer, undefined);
    assert.equal(log.scheduled, false);
    assert.equal(log.epoch, epoch + 1);
    assert.equal(log.key, 'lobby');
  });
});
