import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { formatEvent, formatHistory, PLAIN } from '../../src/cli/chat-format.js';
import { connect, type ChatEvent } from '../../src/index.js';
import { eventually, join, startServer } from '../helpers.js';
import { natter } from './process.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(joinPath(tmpdir(), 'natter-cli-history-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The numbers of the `old: mN` history lines in the output, in the order shown. */
function shown(out: string): number[] {
  return [...out.matchAll(/^\[\d\d:\d\d\] old: m(\d+)$/gm)].map((m) => Number(m[1]));
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('natter chat and the room history', () => {
  it('shows the last 20 messages on joining, with their times, and \\history pages back', async (t) => {
    const server = await startServer(t);
    const old = await join(t, server, 'old', { caps: ['history'] });
    for (let i = 1; i <= 45; i++) {
      old.send({ cmd: '7', msg: `m${i}`, id: i });
      await old.expect('71');
    }
    const port = String(server.port);
    const cli = natter(t, ['chat', '--nick', 'late', '--host', '127.0.0.1', '--port', port]);
    // Written at once: each line waits for the last messages, then for the line before it.
    cli.write('\\history 5\n\\history\n\\history\n\\exit\n');
    assert.equal(await cli.exitCode(), 0);
    assert.match(cli.stdout, /\* connected to .* as late in lobby; .*\n\[\d\d:\d\d\] old: m26\n/);
    assert.deepEqual(shown(cli.stdout), [...range(26, 45), ...range(21, 25), ...range(1, 20)]);
    assert.match(cli.stdout, /old: m20\n\* no older messages are kept\n/);
  });

  it('after \\join, the new room’s last messages; \\history on a server without history says so', async (t) => {
    const server = await startServer(t);
    const dev = await join(t, server, 'old', { caps: ['history'], room: 'dev' });
    dev.send({ cmd: '7', msg: 'm1', id: 1 });
    await dev.expect('71');
    const port = String(server.port);
    const cli = natter(t, ['chat', '--nick', 'mover', '--host', '127.0.0.1', '--port', port]);
    cli.write('\\join dev\n\\exit\n');
    assert.equal(await cli.exitCode(), 0);
    assert.match(cli.stdout, /\* you joined dev \(2 users\)\n\[\d\d:\d\d\] old: m1\n/);

    const plain = await startServer(t, { history: false });
    const cli2 = natter(t, [
      'chat',
      '--nick',
      'x',
      '--host',
      '127.0.0.1',
      '--port',
      String(plain.port),
    ]);
    cli2.write('\\history\n');
    cli2.proc.stdin.end();
    assert.equal(await cli2.exitCode(), 0);
    assert.match(cli2.stdout, /! the server keeps no history\n/);
  });

  it(
    'with --reconnect, shows what was said while it was away and sends what was typed meanwhile, once',
    { timeout: 30_000 },
    async (t) => {
      const dataDir = tempDir(t);
      const first = await startServer(t, { dataDir });
      const port = first.port;
      const args = ['chat', '--nick', 'phoenix', '--host', '127.0.0.1', '--port', String(port)];
      const cli = natter(t, [...args, '--reconnect']);
      await cli.waitFor(/connected/);
      await first.close();
      await cli.waitFor(/\* reconnecting in \d\.\d s/);
      cli.write('typed while away\n');
      const second = await startServer(t, { port, dataDir });
      const other = await connect({ host: '127.0.0.1', port: second.port, nickname: 'other' });
      t.after(() => other.destroy());
      const heard: string[] = [];
      other.on('chat', (e: Extract<ChatEvent, { type: 'chat' }>) => heard.push(e.msg));
      await other.chat('said meanwhile');
      await cli.waitFor(/\* reconnected as phoenix in lobby/, 'stdout', 10_000);
      await cli.waitFor(/^(\[\d\d:\d\d\] )?other: said meanwhile$/m);
      await eventually(() => heard.length === 1, 'the line typed while away');
      cli.write('\\exit\n');
      assert.equal(await cli.exitCode(), 0);
      assert.deepEqual(heard, ['typed while away']);
      assert.equal(cli.stdout.match(/said meanwhile/g)?.length, 1);
    },
  );

  it('formats history lines dimmed with their time, and the date when not today', () => {
    const now = new Date(2030, 5, 15, 12, 0);
    const style = { ...PLAIN, color: true, now: () => now };
    const today = new Date(2030, 5, 15, 9, 5).getTime();
    const earlier = new Date(2029, 11, 31, 23, 59).getTime();
    const message = (ts: number) => ({ seq: 1, ts, from: 'x\u001b', msg: 'hi' });
    assert.equal(formatHistory(message(today), style), '\u001b[2m[09:05] x\\u{1b}: hi\u001b[0m');
    assert.equal(
      formatHistory(message(earlier), { ...style, color: false }),
      '[2029-12-31 23:59] x\\u{1b}: hi',
    );
    // A chat shows the time it was sent, not the time it arrived.
    const chat = { type: 'chat' as const, from: 'a', msg: 'b', seq: 1, ts: today };
    assert.equal(
      formatEvent(chat, { ...PLAIN, timestamps: 'minutes', now: () => now }),
      '[09:05] a: b',
    );
  });
});
