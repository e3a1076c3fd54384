import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, joinAll, startServer } from '../helpers.js';

describe('a client that stops reading', () => {
  it('never stalls the sender or the others; once its queue is over the limit it is cut off', async (t) => {
    const server = await startServer(t, { maxQueueBytes: 64 * 1024 });
    const [deaf, sender, reader] = await joinAll(t, server, ['deaf', 'sender', 'reader']);
    deaf!.socket.pause(); // stops reading: the kernel buffers fill, then the server's queue
    const msg = 'x'.repeat(4000);
    let sent = 0;
    let received = 0;
    let cutOff = false;
    // Kernel socket buffers hold megabytes on loopback: send batches until the deaf client is
    // cut off (bounded: at most 40 MB).
    for (let batch = 0; batch < 100 && !cutOff; batch++) {
      for (let i = 0; i < 100; i++) sender!.send({ cmd: '7', msg: `${sent++}:${msg}` });
      // The sender is answered whatever the deaf client does.
      sender!.send({ cmd: '4' });
      let answer = await sender!.next();
      if (answer.cmd === '30') answer = await sender!.next();
      assert.equal(answer.cmd, '40');
      // The reader gets every message, in order.
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
    }
    assert.ok(cutOff, 'the deaf client was cut off');
    await eventually(() => server.connectionCount === 2, 'the deaf connection to close');
  });
});
