import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { RawClient, eventually, join, logsOf, startServer } from '../helpers.js';

describe('timeouts and dead peers', () => {
  it('closes a connection that does not CONNECT in time with 918', async (t) => {
    const server = await startServer(t, { registrationTimeoutMs: 200 });
    const silent = await RawClient.open(t, server);
    const error = await silent.expect('918');
    assert.equal(error.error, 'REGISTRATION_TIMEOUT');
    assert.equal(error.fatal, true);
    await silent.waitClosed();
    // A member is not affected by the registration timeout.
    const member = await join(t, server, 'member');
    await new Promise((resolve) => setTimeout(resolve, 400));
    await member.expectQuiet();
  });

  it('a member that stops its promised heartbeat (a dead peer, no FIN) is removed with 30', async (t) => {
    const server = await startServer(t);
    const watcher = await join(t, server, 'watcher');
    const dead = await join(t, server, 'dead', { heartbeatMs: 1000 });
    await watcher.expect('8');
    // The dead peer's socket stays open and says nothing more.
    const error = await dead.expect('919');
    assert.equal(error.error, 'IDLE_TIMEOUT');
    assert.match(String(error.reason), /no heartbeat/);
    assert.deepEqual(await watcher.next(), { cmd: '30', nickname: 'dead', userCount: 1 });
  });

  it('a member that keeps its heartbeat stays', async (t) => {
    const server = await startServer(t);
    const alive = await join(t, server, 'alive', { heartbeatMs: 1000 });
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 600));
      alive.send({ cmd: '6', beginTime: i });
      assert.equal((await alive.expect('60')).beginTime, i);
    }
  });

  it('refuses a heartbeat outside 1000..600000 ms with 906', async (t) => {
    const server = await startServer(t);
    const client = await RawClient.open(t, server);
    for (const heartbeatMs of [999, 600_001, 1.5, '1000']) {
      client.send({ cmd: '0', nickname: 'x', heartbeatMs });
      assert.equal((await client.expect('906')).field, 'heartbeatMs');
    }
  });

  it('with idleTimeoutMs, closes members that send nothing; without it, silent members stay', async (t) => {
    const server = await startServer(t, { idleTimeoutMs: 400 });
    const active = await join(t, server, 'active');
    const quiet = await join(t, server, 'quiet');
    await active.expect('8');
    let lastSeen: Record<string, unknown> | undefined;
    // The active member talks every 100 ms; the quiet one says nothing.
    while (!quiet.closed) {
      active.send({ cmd: '4' });
      lastSeen = await active.next();
      if (lastSeen.cmd === '30') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal((await quiet.next()).cmd, '919');
    if (lastSeen?.cmd !== '30') lastSeen = await active.expect('30');
    assert.deepEqual(lastSeen, { cmd: '30', nickname: 'quiet', userCount: 1 });

    const relaxed = await startServer(t);
    const listener = await join(t, relaxed, 'listener');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await listener.expectQuiet();
  });

  it('turns TCP keepalive on with the configured idle time', async (t) => {
    const server = await startServer(t, { keepAliveMs: 7000 });
    const client = await join(t, server, 'k');
    // ss shows the kernel's keepalive timer on the server's side of the connection.
    const out = execFileSync(
      'ss',
      [
        '-tnoH',
        'state',
        'established',
        `( sport = :${server.port} and dport = :${client.socket.localPort} )`,
      ],
      { encoding: 'utf8' },
    );
    const match = /timer:\(keepalive,([0-9.]+)(ms|sec),0\)/.exec(out);
    assert.ok(match, out);
    const seconds = Number(match[1]) / (match[2] === 'ms' ? 1000 : 1);
    assert.ok(seconds > 0 && seconds <= 7, out);
  });

  it('logs the disconnections', async (t) => {
    const server = await startServer(t, { registrationTimeoutMs: 100 });
    await RawClient.open(t, server);
    await eventually(() => server.connectionCount === 0, 'the silent connection to close');
    assert.deepEqual(
      logsOf(server).filter((l) => l.includes('REGISTRATION')),
      [],
    ); // not a member: debug only
  });
});
