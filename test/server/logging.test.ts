import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryAddon, native } from '../../src/server/native.js';
import { eventually, join, joinAll, logsOf, startServer } from '../helpers.js';

describe('logging', () => {
  it('one line per join and leave, told apart by how; no per-command lines at info', async (t) => {
    const server = await startServer(t, { http: true });
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    alice!.send({ cmd: '7', msg: 'hi' });
    alice!.send({ cmd: '1' });
    await alice!.expect('10');
    alice!.send({ cmd: '3' });
    await alice!.waitClosed();
    bob!.close();
    const logs = logsOf(server);
    await eventually(() => logs.some((l) => l.includes('without EXIT')), 'the leave line');
    assert.ok(logs.some((l) => l.startsWith('Natter is listening on 127.0.0.1:')));
    assert.ok(logs.includes('alice joined lobby. There is 1 user in lobby.'));
    assert.ok(logs.includes('bob joined lobby. There are 2 users in lobby.'));
    assert.ok(logs.includes('alice left lobby. There is 1 user in lobby.'));
    // A client that closes its connection without EXIT has left; only a broken one is lost.
    assert.ok(
      logs.some((l) =>
        /^bob \(127\.0\.0\.1:\d+\) left lobby, closing the connection without EXIT/.test(l),
      ),
    );
    // Where an addon is not built, the start says so once (README, "Native addon").
    const withoutAddon = logs.filter(
      (l) => l.startsWith('room fan-out without') || l.startsWith('memory goes back'),
    );
    assert.equal(withoutAddon.length, (native ? 0 : 1) + (memoryAddon ? 0 : 1));
    assert.ok(
      logs.some((l) =>
        /^Web client at http:\/\/127\.0\.0\.1:\d+\/ \(WebSocket at ws:\/\/127\.0\.0\.1:\d+\/ws/.test(
          l,
        ),
      ),
    );
    assert.equal(logs.length, 6 + withoutAddon.length, logs.join('\n'));
  });

  it('logs each command at debug level', async (t) => {
    const lines: string[] = [];
    const server = await startServer(t, {
      logLevel: 'debug',
      logSink: (level, line) => lines.push(`${level} ${line}`),
    });
    const alice = await join(t, server, 'alice');
    alice.send({ cmd: '4' });
    await alice.expect('40');
    assert.ok(lines.some((l) => l.startsWith('debug ') && l.includes('sent VERSION')));
  });

  it('logs nothing at all when silent', async (t) => {
    const lines: string[] = [];
    const server = await startServer(t, {
      logLevel: 'silent',
      logSink: (_l, line) => lines.push(line),
    });
    await join(t, server, 'alice');
    assert.deepEqual(lines, []);
  });
});
