import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { join, startServer } from '../helpers.js';
import { NATTER_BIN, natter, run } from './process.js';

describe('natter chat', () => {
  it('runs piped commands in order: every seed command, the room commands and \\help', async (t) => {
    const server = await startServer(t);
    const raw = await join(t, server, 'raw');
    const script = [
      'hello from the cli',
      '\\users',
      '\\version',
      '\\rtt',
      '\\wh raw psst 비밀',
      '\\wh nobody hi',
      '/users',
      '\\\\escaped',
      '//slashed',
      '\\rename alicia',
      '\\rooms',
      '\\join dev',
      '\\leave',
      '\\help',
      '\\bogus',
      '\\exit',
      'never sent',
    ].join('\n');
    const cli = natter(t, [
      'chat',
      '--nick',
      'alice',
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
    ]);
    cli.write(script + '\n');
    assert.equal(await cli.exitCode(), 0);
    const out = cli.stdout;
    assert.match(out, /\* connected to 127\.0\.0\.1:\d+ as alice in lobby/);
    assert.match(
      out,
      /\* 2 users in your room:\n {2}raw {2}127\.0\.0\.1:\d+\n {2}alice {2}127\.0\.0\.1:\d+\n/,
    );
    assert.match(
      out,
      /\* server version 1 \(natter\/\d+\.\d+\.\d+\), client natter\/\d+\.\d+\.\d+/,
    );
    assert.match(out, /\* RTT \d+\.\d{3} ms/);
    assert.match(out, /! there is no user with that nickname/);
    assert.match(out, /\* you are now known as alicia/);
    assert.match(out, /\n {2}lobby {2}2\/10\n/);
    assert.match(out, /\* you joined dev \(1 user\)/);
    assert.match(out, /-> raw: psst 비밀\n/, 'a whisper is confirmed');
    assert.equal(out.match(/\* 2 users in your room:/g)?.length, 2, '/users as \\users');
    assert.match(out, /\* you are back in lobby \(2 users\)/);
    assert.match(out, /\\wh <nick> <message> +whisper to one user/);
    assert.match(out, /! unknown command \\bogus/);

    assert.deepEqual(await raw.next(), { cmd: '8', nickname: 'alice', userCount: 2 });
    assert.deepEqual(await raw.next(), { cmd: '70', from: 'alice', msg: 'hello from the cli' });
    assert.deepEqual(await raw.next(), { cmd: '70', from: 'alice', msg: 'psst 비밀' });
    assert.deepEqual(await raw.next(), { cmd: '70', from: 'alice', msg: '\\escaped' });
    assert.deepEqual(await raw.next(), { cmd: '70', from: 'alice', msg: '/slashed' });
    assert.deepEqual(await raw.next(), { cmd: '52', nickname: 'alice', newNickname: 'alicia' });
    assert.deepEqual(await raw.next(), { cmd: '30', nickname: 'alicia', userCount: 1 });
    assert.deepEqual(await raw.next(), { cmd: '8', nickname: 'alicia', userCount: 2 });
    assert.deepEqual(await raw.next(), { cmd: '30', nickname: 'alicia', userCount: 1 });
    await raw.expectQuiet();
  });

  it('two CLI clients and a raw seed-style client talk to each other', async (t) => {
    const server = await startServer(t);
    const port = String(server.port);
    const bob = natter(t, ['chat', '--nick', 'bob', '--host', '127.0.0.1', '--port', port]);
    await bob.waitFor(/connected/);
    const raw = await join(t, server, 'seedclient');
    const alice = natter(t, ['chat', '--nick', 'alice', '--host', '127.0.0.1', '--port', port]);
    await alice.waitFor(/connected/);
    alice.write('hi bob\n\\wh bob only for you\n');
    await bob.waitFor(/^alice: hi bob$/m);
    await bob.waitFor(/^alice \(whisper\): only for you$/m);
    // The seed-style client writes an undelimited object, like the seed's client.
    raw.send('{"cmd": "7", "msg": "\\uc548\\ub155 from seed"}');
    await bob.waitFor(/^seedclient: 안녕 from seed$/m);
    await alice.waitFor(/^seedclient: 안녕 from seed$/m);
    bob.write('\\wh seedclient back at you\n');
    assert.deepEqual(await raw.expect('8'), { cmd: '8', nickname: 'alice', userCount: 3 });
    assert.deepEqual(await raw.next(), { cmd: '70', from: 'alice', msg: 'hi bob' });
    assert.deepEqual(await raw.next(), { cmd: '70', from: 'bob', msg: 'back at you' });
    alice.proc.stdin.end();
    assert.equal(await alice.exitCode(), 0);
    await bob.waitFor(/^\* alice left \(2 users\)$/m);
    bob.proc.stdin.end();
    assert.equal(await bob.exitCode(), 0);
  });

  it('explains a refused connection, a taken nickname and a full room, exit code 1', async (t) => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const refused = natter(t, [
      'chat',
      '--nick',
      'x',
      '--host',
      '127.0.0.1',
      '--port',
      String(closedPort),
    ]);
    assert.equal(await refused.exitCode(), 1);
    assert.match(refused.stderr, /connection refused by 127\.0\.0\.1:\d+: is the server running\?/);

    const server = await startServer(t, { maxUsers: 1 });
    await join(t, server, 'taken');
    const port = String(server.port);
    const dup = natter(t, ['chat', '--nick', 'taken', '--host', '127.0.0.1', '--port', port]);
    assert.equal(await dup.exitCode(), 1);
    assert.match(dup.stderr, /the nickname "taken" is already taken/);
    const full = natter(t, ['chat', '--nick', 'other', '--host', '127.0.0.1', '--port', port]);
    assert.equal(await full.exitCode(), 1);
    assert.match(full.stderr, /the chat room is full/);
    // natter bench against nothing: a sentence that says what to do, not a stack.
    const bench = natter(t, [
      'bench',
      '--host',
      '127.0.0.1',
      '--port',
      String(closedPort),
      '--clients',
      '2',
    ]);
    assert.equal(await bench.exitCode(), 1);
    assert.equal(
      bench.stderr,
      `natter: nothing is listening on 127.0.0.1:${closedPort}: start the server (npm start), or give its --host and --port\n`,
    );
    const noNick = natter(t, ['chat']);
    assert.equal(await noNick.exitCode(), 2);
    assert.match(noNick.stderr, /--nick NAME is required/);
  });

  it('tells the user why the server disconnected them', async (t) => {
    const server = await startServer(t);
    const cli = natter(t, [
      'chat',
      '--nick',
      'rude',
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
    ]);
    await cli.waitFor(/connected/);
    cli.write('I hate professor Lee\n');
    await cli.waitFor(/! disconnected: the message contains a banned phrase; you are disconnected/);
    // Told once, not once per way the client heard it.
    assert.equal(cli.stdout.match(/banned phrase/g)?.length, 1);
    assert.equal(await cli.exitCode(), 1);
  });

  it('sends a paste too long for one message in parts, and says so', async (t) => {
    const server = await startServer(t);
    const raw = await join(t, server, 'raw');
    const port = String(server.port);
    const cli = natter(t, ['chat', '--nick', 'paster', '--host', '127.0.0.1', '--port', port]);
    await cli.waitFor(/connected/);
    await raw.expect('8');
    // 25,000 Korean characters: about 75 KB, over the frame limit and the message limit.
    const paste = '가나다라마'.repeat(5000);
    cli.write(paste + '\n');
    await cli.waitFor(/\* your message was too long for one, and went in 5 parts/);
    let received = '';
    for (let i = 0; i < 5; i++) received += String((await raw.expect('70')).msg);
    assert.equal(received, paste);
    cli.write('\\exit\n');
    assert.equal(await cli.exitCode(), 0);
  });

  it('with --reconnect, comes back after the server restarts, as the same user', async (t) => {
    const first = await startServer(t);
    const port = first.port;
    const cli = natter(t, [
      'chat',
      '--nick',
      'phoenix',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--reconnect',
    ]);
    await cli.waitFor(/connected/);
    cli.write('\\join dev\n');
    await cli.waitFor(/you joined dev/);
    await first.close();
    await cli.waitFor(/! disconnected: .*\n.*\* reconnecting in \d\.\d s/);
    const second = await startServer(t, { port });
    await cli.waitFor(/\* reconnected as phoenix in dev/, 'stdout', 10_000);
    const raw = await join(t, second, 'raw', { room: 'dev' });
    cli.write('back again\n');
    assert.deepEqual(await raw.next(), { cmd: '70', from: 'phoenix', msg: 'back again' });
    cli.write('\\exit\n');
    assert.equal(await cli.exitCode(), 0);
  });

  it('in a terminal, an incoming message does not garble the line being typed', async (t) => {
    const server = await startServer(t);
    const command = `NO_COLOR=1 ${process.execPath} ${NATTER_BIN} chat --nick typist --host 127.0.0.1 --port ${server.port} --timestamps none`;
    // script(1) runs the client on a pseudo-terminal, fed from our pipe.
    const pty = run(t, 'script', ['-qfec', command, '/dev/null']);
    await pty.waitFor(/\[lobby\] typist> $/, 'screenText');
    pty.write('hel');
    await pty.waitFor(/typist> hel$/, 'screenText');
    const bob = await join(t, server, 'bob');
    bob.send({ cmd: '7', msg: 'incoming!' });
    // The typed line is erased (ESC[2K, ESC[1G), the message printed on its own line, then the
    // prompt redrawn with the typed text (ESC[1G, ESC[0J).
    // eslint-disable-next-line no-control-regex
    await pty.waitFor(/\x1b\[2K\x1b\[1Gbob: incoming!\r\n\x1b\[1G\x1b\[0J\[lobby\] typist> hel/);
    pty.write('lo\r');
    assert.deepEqual(await bob.next(), { cmd: '70', from: 'typist', msg: 'hello' });
    pty.write('\\exit\r');
    assert.deepEqual(await bob.next(), { cmd: '30', nickname: 'typist', userCount: 1 });
  });

  it('in a terminal, lines have timestamps and nicknames a colour of their own', async (t) => {
    const server = await startServer(t);
    const command = `${process.execPath} ${NATTER_BIN} chat --nick viewer --host 127.0.0.1 --port ${server.port}`;
    const pty = run(t, 'script', ['-qfec', command, '/dev/null']);
    await pty.waitFor(/\[lobby\] viewer> $/, 'screenText');
    const bob = await join(t, server, 'bob');
    bob.send({ cmd: '7', msg: 'hi viewer' });
    // [hh:mm], bob in its colour, and the viewer's own nickname in reverse video.
    // eslint-disable-next-line no-control-regex
    await pty.waitFor(/\[\d\d:\d\d\] \x1b\[\d+mbob\x1b\[0m: hi \x1b\[7mviewer\x1b\[0m/);
    pty.write('\\exit\r');
    assert.deepEqual(await bob.next(), { cmd: '30', nickname: 'viewer', userCount: 1 });
  });

  it('in a terminal, Tab completes commands and the nicknames of the room', async (t) => {
    const server = await startServer(t);
    await join(t, server, 'bobby');
    const command = `NO_COLOR=1 ${process.execPath} ${NATTER_BIN} chat --nick tabber --host 127.0.0.1 --port ${server.port} --timestamps none`;
    const pty = run(t, 'script', ['-qfec', command, '/dev/null']);
    await pty.waitFor(/\[lobby\] tabber> $/, 'screenText');
    pty.write('\\us\t');
    await pty.waitFor(/tabber> \\users$/, 'screenText');
    pty.write('\r');
    await pty.waitFor(/\* 2 users in your room:/, 'screenText');
    pty.write('hi bo\t');
    await pty.waitFor(/tabber> hi bobby$/, 'screenText');
    pty.write('\r\\exit\r');
  });
});
