/**
 * `natter chat` as an operator and as a member acted on: \oper (hidden on a terminal, the next
 * line from a pipe), \kick, \ban, \unban, \mute, \unmute, \bans and \audit, and being kicked,
 * banned and muted told in one clear line.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { ChatServer } from '../../src/chat-server.js';
import { connect, type ChatClient } from '../../src/index.js';
import { eventually, startServer } from '../helpers.js';
import { ROOT } from '../operators.js';
import { NATTER_BIN, natter, run, type Child } from './process.js';

/** A member joined with the client library, closed when the test ends. */
async function member(t: TestContext, server: ChatServer, nickname: string): Promise<ChatClient> {
  const client = await connect({ host: '127.0.0.1', port: server.port, nickname, heartbeatMs: 0 });
  t.after(() => client.destroy());
  return client;
}

/** `natter chat` on a pipe, kept open for the test to write to. */
function chat(t: TestContext, server: ChatServer, nickname: string, ...extra: string[]): Child {
  const args = ['chat', '--nick', nickname, '--host', '127.0.0.1', '--port', String(server.port)];
  return natter(t, [...args, ...extra]);
}

describe('natter chat, moderation', () => {
  it('an operator logs in from a pipe and mutes, bans, lists, unbans, kicks and audits', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const bob = await member(t, server, 'bob');
    const op = chat(t, server, 'op');
    await op.waitFor(/\* connected/);
    op.write('\\kick bob\n');
    await op.waitFor(/! not permitted: only an operator may do this/);
    op.write('\\oper root\nsecret\n');
    await op.waitFor(/\* you are an operator now, as root\n/);
    assert.doesNotMatch(op.stdout, /secret/, 'the password is not shown');

    op.write('\\mute bob 10m calm down\n');
    await op.waitFor(/\* muted bob until \d{4}-\d\d-\d\d \d\d:\d\d \((9m 59s|10m) left\)\n/);
    op.write('\\ban carol 2h spamming links\n');
    const [, carolBan] = await op.waitFor(
      /\* banned carol until \d{4}-\d\d-\d\d \d\d:\d\d \((?:1h 59m|2h) left\) \(ban #(\S+)\)\n/,
    );
    op.write('\\ban 198.51.100.7/24\n');
    await op.waitFor(/\* banned 198\.51\.100\.0\/24 until lifted \(ban #\S+\)\n/);
    op.write('\\ban nick:10.0.0.1 1d\n');
    await op.waitFor(/\* banned 10\.0\.0\.1 until .* \(ban #\S+\)\n/);
    op.write('\\bans\n');
    await op.waitFor(/\* 3 bans, 1 mute:\n/);
    await op.waitFor(/ {2}mute {2}bob {2}until .* left\), by root: calm down\n/);
    assert.match(
      op.stdout,
      / {2}ban #\S+ {2}nickname carol {2}until .*, by root: spamming links\n/,
    );
    assert.match(
      op.stdout,
      / {2}ban #\S+ {2}address 198\.51\.100\.0\/24 {2}until lifted, by root\n/,
    );
    assert.match(op.stdout, / {2}ban #\S+ {2}nickname 10\.0\.0\.1 {2}until /);

    // By id, as \bans shows it; by address; by nickname; one that is not there.
    op.write(`\\unban ${carolBan}\n`);
    await op.waitFor(new RegExp(`\\* lifted the ban of carol \\(ban #${carolBan}\\)\\n`));
    op.write('\\unban 198.51.100.0/24\n');
    await op.waitFor(/\* lifted the ban of 198\.51\.100\.0\/24/);
    op.write('\\unban nick:10.0.0.1\n');
    await op.waitFor(/\* lifted the ban of 10\.0\.0\.1/);
    op.write('\\unban carol\n');
    await op.waitFor(/! no active ban of carol\n/);
    op.write('\\unmute bob\n');
    await op.waitFor(/\* bob is no longer muted\n/);

    op.write('\\kick bob spamming\n');
    await op.waitFor(/\* you kicked bob\n/);
    assert.equal((await bob.closed())?.code, '929');
    op.write('\\kick bob\n');
    await op.waitFor(/! nobody has that nickname|! .*bob/);

    op.write('\\audit 3\n');
    await op.waitFor(/\* the last 3 operator actions:\n/);
    await op.waitFor(/ {2}\[[\d :-]+\] root kick bob: spamming[^\n]*\n$/);
    assert.match(
      op.stdout,
      / {2}\[[\d :-]+\] root unmute bob[^\n]*\n {2}\[[\d :-]+\] root kick bob/,
    );
    op.write('\\exit\n');
    assert.equal(await op.exitCode(), 0);
  });

  it('usage mistakes are told, and \\help lists the operator commands', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const op = chat(t, server, 'op');
    const script = [
      '\\oper',
      '\\mute bob',
      '\\mute bob soon',
      '\\ban',
      '\\unban',
      '\\audit x',
      '\\ban 10.0.0.1/33 1h',
      '\\unban 300.1.2.3',
      '\\oper root',
      'wrong',
      '\\help',
      '\\exit',
    ];
    op.write(script.join('\n') + '\n');
    assert.equal(await op.exitCode(), 0);
    const out = op.stdout;
    assert.match(out, /! usage: \\oper <name>/);
    assert.equal(out.match(/! usage: \\mute <nick> <time> \[reason\]/g)?.length, 2);
    assert.match(out, /! usage: \\ban <nick\|address\|cidr> \[time\] \[reason\]/);
    assert.match(out, /! usage: \\unban <nick\|address\|id>/);
    assert.match(out, /! usage: \\audit \[n\]/);
    assert.match(
      out,
      /! 10\.0\.0\.1\/33 is no address or block \(.+\); nick:10\.0\.0\.1\/33 names a nickname\n/,
    );
    assert.match(out, /! 300\.1\.2\.3 is no address or block/);
    assert.match(out, /! wrong operator name or password\n/);
    assert.match(out, /Operators \(after \\oper\):/);
    for (const command of ['oper', 'kick', 'ban', 'unban', 'mute', 'unmute', 'bans', 'audit']) {
      assert.match(out, new RegExp(`\\n {2}\\\\${command}\\b`), command);
    }
  });

  it('a kicked member is told who and why, and does not come back', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const op = await member(t, server, 'op');
    await op.oper('root', 'secret');
    const bob = chat(t, server, 'bob', '--reconnect');
    await bob.waitFor(/\* connected/);
    await op.kick('bob', 'spamming');
    await bob.waitFor(/! kicked by root: spamming\n/);
    assert.equal(await bob.exitCode(), 1);
    assert.doesNotMatch(bob.stdout, /reconnecting/);
  });

  it('a banned member is told until when; joining again is refused the same way', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const op = await member(t, server, 'op');
    await op.oper('root', 'secret');
    const bob = chat(t, server, 'bob', '--reconnect');
    await bob.waitFor(/\* connected/);
    await op.ban({ nickname: 'bob', durationMs: 3_600_000, reason: 'spamming' });
    await bob.waitFor(
      /! banned by root until \d{4}-\d\d-\d\d \d\d:\d\d: spamming \((59m \d+s|1h) left\)\n/,
    );
    assert.equal(await bob.exitCode(), 1);
    assert.doesNotMatch(bob.stdout, /reconnecting/);

    const again = chat(t, server, 'bob');
    again.proc.stdin.end();
    assert.equal(await again.exitCode(), 1);
    assert.match(again.stderr, /^natter: banned by root until [\d :-]+: spamming \(.* left\)\n/);
  });

  it('a muted member is told for how long, and its chat is not delivered', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const op = await member(t, server, 'op');
    await op.oper('root', 'secret');
    const heard: string[] = [];
    op.on('chat', (e: { msg: string }) => heard.push(e.msg));
    const bob = chat(t, server, 'bob');
    await bob.waitFor(/\* connected/);
    await op.mute('bob', 250_000);
    bob.write('can anyone hear me\n\\rename robert\n');
    await bob.waitFor(/! you are muted for another 4m 1\ds \(by root\): nothing was sent\n/);
    await bob.waitFor(/(! you are muted for another [^\n]*\n[^]*){2}/);
    await op.unmute('bob');
    bob.write('now?\n');
    await eventually(() => heard.includes('now?'), 'the chat after the unmute');
    assert.deepEqual(heard, ['now?']);
    bob.write('\\exit\n');
    assert.equal(await bob.exitCode(), 0);
  });

  it('in a terminal, \\oper asks for the password without showing it', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const command = `NO_COLOR=1 ${process.execPath} ${NATTER_BIN} chat --nick op --host 127.0.0.1 --port ${server.port} --timestamps none`;
    const pty = run(t, 'script', ['-qfec', command, '/dev/null']);
    await pty.waitFor(/\[lobby\] op> $/, 'screenText');
    pty.write('\\oper root\r');
    await pty.waitFor(/Password: $/, 'screenText');
    pty.write('sec');
    await new Promise((resolve) => setTimeout(resolve, 100));
    pty.write('ret\r');
    await pty.waitFor(/\* you are an operator now, as root/, 'screenText');
    assert.doesNotMatch(pty.screenText, /sec/, 'nothing of the password is shown');
    // The line editor is back: what is typed next is a line again.
    await pty.waitFor(/\[lobby\] op> $/, 'screenText');
    pty.write('\\bans\r');
    await pty.waitFor(/\* no bans or mutes/, 'screenText');
    pty.write('\\exit\r');
    assert.equal(await pty.exitCode(), 0);
  });

  it('with the output redirected, \\oper still asks the terminal, on stderr, without echo', async (t) => {
    const server = await startServer(t, { operators: [ROOT] });
    const chat = `${process.execPath} ${NATTER_BIN} chat --nick op --host 127.0.0.1 --port ${server.port}`;
    // stdin is the terminal, stdout a pipe: lines as the terminal gives them, no line editor.
    const pty = run(t, 'script', ['-qfec', `${chat} | cat`, '/dev/null']);
    await pty.waitFor(/\* connected/, 'screenText');
    pty.write('\\oper root\r');
    await pty.waitFor(/Password: $/, 'screenText');
    pty.write('secret\r');
    await pty.waitFor(/\* you are an operator now, as root/, 'screenText');
    assert.doesNotMatch(pty.screenText, /secret/);
    pty.write('\\bans\r');
    await pty.waitFor(/\* no bans or mutes/, 'screenText');
    pty.write('\\exit\r');
    assert.equal(await pty.exitCode(), 0);
  });
});
