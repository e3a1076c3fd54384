import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Session, type CloseReason } from '../../src/server/session.js';
import type { Writer } from '../../src/server/write/writer.js';

const endpoints = {
  remoteAddress: '192.0.2.7',
  remotePort: 4000,
  localAddress: '127.0.0.1',
  localPort: 20825,
};

function session() {
  const ended: CloseReason[] = [];
  const s = new Session('n:1', endpoints, {} as Writer, {
    close: (reason) => void ended.push(reason),
  });
  return { s, ended };
}

describe('Session: the one owner of a client’s state', () => {
  it('goes new -> joining -> member, taking its nickname, room and capabilities', () => {
    const { s } = session();
    assert.equal(s.phase, 'new');
    assert.equal(s.label, '(192.0.2.7:4000)');
    s.beginJoin();
    assert.equal(s.phase, 'joining');
    assert.equal(
      s.admit('Alice', 'Lobby', 'lobby', { caps: ['whisper'], heartbeatMs: 5000 }),
      true,
    );
    assert.equal(s.phase, 'member');
    assert.deepEqual([s.nickname, s.room, s.roomKey], ['Alice', 'Lobby', 'lobby']);
    assert.equal(s.extended, true);
    assert.equal(s.whisperCap, true);
    assert.equal(s.heartbeatMs, 5000);
    assert.equal(s.label, 'Alice (192.0.2.7:4000)');
  });

  it('a client without caps is a seed client: no extras, no heartbeat', () => {
    const { s } = session();
    s.beginJoin();
    s.admit('bob', 'lobby', 'lobby', {});
    assert.equal(s.extended, false);
    assert.equal(s.whisperCap, false);
    assert.equal(s.heartbeatMs, 0);
  });

  it('renames and moves only as a member', () => {
    const { s } = session();
    s.renamed('early');
    s.moved('x', 'x');
    assert.equal(s.nickname, '');
    assert.equal(s.room, '');
    s.beginJoin();
    s.admit('a', 'lobby', 'lobby', {});
    s.renamed('b');
    s.moved('Dev', 'dev');
    assert.deepEqual([s.nickname, s.room, s.roomKey], ['b', 'Dev', 'dev']);
  });

  it('a cancelled join goes back to new; a join cannot begin twice', () => {
    const { s } = session();
    s.beginJoin();
    assert.throws(() => s.beginJoin(), /cannot begin a join in phase joining/);
    s.cancelJoin();
    assert.equal(s.phase, 'new');
    assert.equal(s.admit('late', 'lobby', 'lobby', {}), false, 'a cancelled join never lands');
    assert.equal(s.phase, 'new');
  });

  it('closes once; a join that lands after the close does not make it a member', () => {
    const { s, ended } = session();
    s.beginJoin();
    assert.equal(s.beginClose(), 'joining');
    assert.equal(s.beginClose(), undefined);
    assert.equal(s.closing, true);
    assert.equal(s.admit('a', 'lobby', 'lobby', {}), false);
    assert.equal(s.phase, 'closing');
    s.end({ kind: 'exit' });
    assert.deepEqual(ended, [{ kind: 'exit' }], 'ending goes to the connection');
  });
});
