import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoomDelivery, WhisperDelivery } from '../../src/backends/bus.js';
import { BackendUnavailableError } from '../../src/backends/errors.js';
import { MemoryBus } from '../../src/backends/memory-bus.js';
import { eventually, join, startServer } from '../helpers.js';

/**
 * The in-memory bus, except that a chat's publish is only carried out and settled when the test
 * says so, as a cluster's publish through Redis settles when Redis answers.
 */
class AnsweringBus extends MemoryBus {
  readonly waiting: { delivery: RoomDelivery | WhisperDelivery; settle: (ok: boolean) => void }[] =
    [];

  override publish(delivery: RoomDelivery | WhisperDelivery): void | Promise<void> {
    // The directory's announcements go through at once; chats wait.
    const chat = delivery.kind === 'room' && !delivery.joins && delivery.except !== undefined;
    if (!chat) return super.publish(delivery);
    return new Promise((resolve, reject) => {
      this.waiting.push({
        delivery,
        settle: (ok) => {
          if (!ok) return reject(new BackendUnavailableError('not published'));
          super.publish(delivery);
          resolve();
        },
      });
    });
  }

  /** Publishes (true) or refuses (false) the waiting publish number `i`. */
  answer(i: number, ok: boolean): void {
    this.waiting[i]!.settle(ok);
  }
}

describe('CHAT in a pipeline (rules 1.4, 9.8)', () => {
  it('publishes a member’s chats without waiting, and answers them in order', async (t) => {
    const bus = new AnsweringBus();
    const server = await startServer(t, { bus, maxMessageLength: 10 });
    const reader = await join(t, server, 'reader');
    const writer = await join(t, server, 'writer');
    await reader.expect('8');
    const before = bus.waiting.length;
    writer.send({ cmd: '7', msg: 'one', id: 1 });
    writer.send({ cmd: '7', msg: 'two', id: 2 });
    writer.send({ cmd: '7', msg: 'three', id: 3 });
    writer.send({ cmd: '7', msg: 'far too long', id: 4 });
    writer.send({ cmd: '1', id: 5 });
    // The three chats are on their way at once, in order; the rest waits for their answers.
    await eventually(() => bus.waiting.length === before + 3, 'three publishes under way');
    const published = bus.waiting.slice(before).map((w) => (w.delivery as RoomDelivery).frame);
    assert.deepEqual(
      published.map((f) => JSON.parse(Buffer.from(f).toString()).msg),
      ['one', 'two', 'three'],
    );
    // Redis answers out of order (it never does on one connection, but the answers must not
    // depend on it): the third, then the first is refused, then the second.
    bus.answer(before + 2, true);
    bus.answer(before, false);
    bus.answer(before + 1, true);
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await writer.next());
    assert.deepEqual(
      answers.map((m) => [m.cmd, m.id]),
      [
        ['923', 1],
        ['71', 2],
        ['71', 3],
        ['915', 4],
        ['10', 5],
      ],
    );
    // This bus publishes when answered, so the reader's order is the test's, not the point.
    const got = [(await reader.expect('70')).msg, (await reader.expect('70')).msg];
    assert.deepEqual(got.sort(), ['three', 'two']);
  });

  it('a chat that is refused at once waits for the answers before it', async (t) => {
    const bus = new AnsweringBus();
    const server = await startServer(t, { bus, maxMessageLength: 10 });
    const writer = await join(t, server, 'writer');
    const before = bus.waiting.length;
    writer.send({ cmd: '7', msg: 'one', id: 1 });
    writer.send({ cmd: '7', msg: 'far too long', id: 2 });
    writer.send({ cmd: '7', msg: 'three', id: 3 });
    await eventually(() => bus.waiting.length === before + 1, 'the first publish');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(writer.messages.length, 0, 'no answer before the first chat’s');
    bus.answer(before, true);
    assert.equal((await writer.expect('71')).id, 1);
    assert.equal((await writer.expect('915')).id, 2);
    await eventually(() => bus.waiting.length === before + 2, 'the third publish');
    bus.answer(before + 1, true);
    assert.equal((await writer.expect('71')).id, 3);
  });
});
