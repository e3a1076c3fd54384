import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { ChatServerOptions } from '../../src/index.js';
import { eventually, joinAll, startServer } from '../helpers.js';

/**
 * A deaf client stops reading while a sender keeps chatting. Kernel socket buffers hold
 * megabytes on loopback, so the sender sends batches until the deaf client is cut off (bounded:
 * at most 100 batches of 400 KB). Meanwhile the sender must always be answered and the reader
 * must get every message, in order.
 */
async function deafClientIsCutOff(t: TestContext, options: ChatServerOptions): Promise<void> {
  const server = await startServer(t, options);
  const [deaf, sender, reader] = await joinAll(t, server, ['deaf', 'sender', 'reader']);
  deaf!.socket.pause(); // stops reading: the kernel buffers fill, then the server's queue
  const msg = 'x'.repeat(4000);
  let sent = 0;
  let received = 0;
  let cutOff = false;
  for (let batch = 0; batch < 100 && !cutOff; batch++) {
    for (let i = 0; i < 100; i++) sender!.send({ cmd: '7', msg: `${sent++}:${msg}` });
    sender!.send({ cmd: '4' });
    let answer = await sender!.next();
    if (answer.cmd === '30') answer = await sender!.next();
    assert.equal(answer.cmd, '40');
    while (received < sent) {
      const m = await reader!.next();
      if (m.cmd === '30') {
        assert.deepEqual(m, { cmd: '30', nickname: 'deaf', userCount: 2 });
        cutOff = true;
        continue;
      }
      assert.equal(m.cmd, '70');
      assert.ok(String(m.msg).startsWith(`${received}:`));
      received++;
    }
    // Let a drain timeout elapse between batches.
    if (options.drainTimeoutMs) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(cutOff, 'the deaf client was cut off');
  await eventually(() => server.connectionCount === 2, 'the deaf connection to close');
}

describe('a client that stops reading (rule 3.4)', () => {
  it('is cut off when its queue passes maxQueueBytes; nobody else waits', async (t) => {
    await deafClientIsCutOff(t, { maxQueueBytes: 64 * 1024 });
  });

  it('is cut off when its socket has not drained for drainTimeoutMs', async (t) => {
    await deafClientIsCutOff(t, { maxQueueBytes: 1 << 30, drainTimeoutMs: 300 });
  });
});
