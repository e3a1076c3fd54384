import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Timeouts, type TimedConnection } from '../../../src/server/services/timeouts.js';
import type { CloseReason, Phase } from '../../../src/server/session.js';
import { FakeClock } from '../../fake-clock.js';

class Conn implements TimedConnection {
  closedWith: CloseReason | undefined;
  cutOff: string | undefined;
  heartbeatMs = 0;
  stalledSince = 0;
  lastReceivedAt: number;
  constructor(
    public phase: Phase,
    readonly openedAt: number,
  ) {
    this.lastReceivedAt = openedAt;
  }
  close(reason: CloseReason): void {
    this.closedWith = reason;
    this.phase = 'closing';
  }
  cutOffSlowConsumer(detail: string): void {
    this.cutOff = detail;
    this.phase = 'closing';
  }
}

const settings = { registrationTimeoutMs: 1000, idleTimeoutMs: 0, drainTimeoutMs: 5000 };
const errorOf = (c: Conn) => (c.closedWith?.kind === 'error' ? c.closedWith.error : undefined);

describe('Timeouts: one sweep for every connection (rules 3.4, 3.9, 3.12)', () => {
  it('closes a connection that does not CONNECT in time', () => {
    const clock = new FakeClock();
    const late = new Conn('new', clock.now());
    const member = new Conn('member', clock.now());
    const timeouts = new Timeouts(settings, clock, () => new Set([late, member]));
    clock.advance(1000);
    timeouts.sweep();
    assert.equal(late.closedWith, undefined, 'not before the limit');
    clock.advance(1);
    timeouts.sweep();
    assert.equal(errorOf(late), 'REGISTRATION_TIMEOUT');
    assert.equal(member.closedWith, undefined);
  });

  it('holds a member to the heartbeat it promised, twice over', () => {
    const clock = new FakeClock();
    const member = new Conn('member', clock.now());
    member.heartbeatMs = 2000;
    const timeouts = new Timeouts(settings, clock, () => new Set([member]));
    clock.advance(3999);
    member.lastReceivedAt = clock.now();
    clock.advance(4000);
    timeouts.sweep();
    assert.equal(member.closedWith, undefined, 'it spoke within 2 heartbeats');
    clock.advance(1);
    timeouts.sweep();
    assert.equal(errorOf(member), 'IDLE_TIMEOUT');
  });

  it('closes a silent member after idleTimeoutMs when that is set, and never by default', () => {
    const clock = new FakeClock();
    const member = new Conn('member', clock.now());
    new Timeouts(settings, clock, () => new Set([member])).sweep();
    clock.advance(1e9);
    new Timeouts(settings, clock, () => new Set([member])).sweep();
    assert.equal(member.closedWith, undefined, 'seed clients may only listen');
    new Timeouts({ ...settings, idleTimeoutMs: 60_000 }, clock, () => new Set([member])).sweep();
    assert.equal(errorOf(member), 'IDLE_TIMEOUT');
  });

  it('cuts off a connection whose transport has not drained for drainTimeoutMs', () => {
    const clock = new FakeClock();
    const stuck = new Conn('member', clock.now());
    stuck.stalledSince = clock.now();
    const timeouts = new Timeouts(settings, clock, () => new Set([stuck]));
    clock.advance(5001);
    stuck.lastReceivedAt = clock.now();
    timeouts.sweep();
    assert.match(stuck.cutOff ?? '', /has not drained for 5000 ms/);
  });

  it('leaves closing connections alone', () => {
    const clock = new FakeClock();
    const closing = new Conn('closing', clock.now());
    clock.advance(1e6);
    new Timeouts(settings, clock, () => new Set([closing])).sweep();
    assert.equal(closing.closedWith, undefined);
  });

  it('sweeps on one interval, a quarter of the shortest timeout, until stopped', () => {
    const clock = new FakeClock();
    let sweeps = 0;
    const timeouts = new Timeouts(
      settings,
      clock,
      () => new Set([]),
      () => sweeps++,
    );
    assert.equal(timeouts.intervalMs, 250);
    timeouts.start();
    clock.advance(1000);
    assert.equal(sweeps, 4);
    timeouts.stop();
    clock.advance(1000);
    assert.equal(sweeps, 4);
    assert.equal(clock.timers, 0);
    const none = { registrationTimeoutMs: 0, idleTimeoutMs: 0, drainTimeoutMs: 100_000 };
    assert.equal(new Timeouts(none, clock, () => new Set([])).intervalMs, 1000);
  });

  it('spreads a round over ten ticks, each checking a tenth of the connections', () => {
    const clock = new FakeClock();
    const conns = Array.from({ length: 100 }, () => new Conn('new', clock.now()));
    const timeouts = new Timeouts(settings, clock, () => new Set(conns));
    clock.advance(1001);
    timeouts.start();
    const closed = () => conns.filter((c) => c.closedWith !== undefined).length;
    clock.advance(25);
    assert.equal(closed(), 10, 'one tick: a tenth');
    clock.advance(25 * 4);
    assert.equal(closed(), 50);
    clock.advance(25 * 5);
    assert.equal(closed(), 100, 'a round: every connection once');
    timeouts.stop();
  });

  it('checks, by the end of a round, a connection that came during it', () => {
    const clock = new FakeClock();
    const conns = new Set([new Conn('member', clock.now())]);
    const timeouts = new Timeouts(settings, clock, () => conns);
    timeouts.start();
    clock.advance(25);
    const late = new Conn('new', clock.now() - 5000);
    conns.add(late);
    clock.advance(25 * 9);
    assert.equal(errorOf(late), 'REGISTRATION_TIMEOUT');
    timeouts.stop();
  });
});
