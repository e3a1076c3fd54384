import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { test } from 'node:test';
import { join, RawClient, type Msg } from '../helpers.js';
import { natterServe } from './process.js';

/**
 * docs/protocol.md, rule 12.5: a chat acknowledged to a `history` client survives `kill -9` of
 * the server, with the same seq. Real process, real SQLite, a real SIGKILL mid-conversation.
 */
test('after SIGKILL mid-conversation, every acknowledged chat is in history with its seq', async (t) => {
  const dataDir = mkdtempSync(joinPath(tmpdir(), 'natter-kill-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const { server, port } = await natterServe(t, ['--data-dir', dataDir, '--no-http']);
  const talkers: RawClient[] = [];
  for (const nickname of ['ann', 'ben', 'cat']) {
    talkers.push(await join(t, port, nickname, { caps: ['history'] }));
  }
  /** msg -> the seq its 71 gave. */
  const acknowledged = new Map<string, number>();
  for (const client of talkers) {
    client.socket.on('data', () => {
      for (const message of client.messages.splice(0)) record(message);
    });
  }
  function record(message: Msg): void {
    if (message.cmd === '71') acknowledged.set(message.id as string, message.seq as number);
  }
  // Each talker keeps 20 chats in flight, refilled as acknowledgements come, until the kill.
  let sent = 0;
  let killed = false;
  const pump = (client: RawClient, name: string) => {
    const next = () => {
      if (killed || sent >= 20_000) return;
      const id = `${name}-${sent++}`;
      client.send({ cmd: '7', msg: id, id, cid: id });
    };
    for (let i = 0; i < 20; i++) next();
    client.socket.on('data', () => {
      for (let i = 0; i < 20; i++) next();
    });
  };
  talkers.forEach((client, i) => pump(client, `t${i}`));
  const deadline = Date.now() + 10_000;
  while (acknowledged.size < 2000 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.ok(acknowledged.size >= 2000, `only ${acknowledged.size} chats were acknowledged`);
  // Mid-conversation: chats are still arriving and being written.
  server.proc.kill('SIGKILL');
  killed = true;
  await server.exited;
  const ackedAtKill = new Map(acknowledged);
  assert.ok(sent > ackedAtKill.size, 'some chats were still unacknowledged at the kill');

  const again = await natterServe(t, ['--data-dir', dataDir, '--no-http']);
  const reader = await join(t, again.port, 'reader', { caps: ['history'] });
  const kept = new Map<string, number>();
  let after = 0;
  for (let page = 0; page < 500; page++) {
    reader.send({ cmd: '14', after, limit: 200 });
    const answer = await reader.expect('140');
    assert.equal(answer.gap, false);
    const messages = answer.messages as { seq: number; msg: string }[];
    for (const m of messages) {
      assert.ok(m.seq > after, 'ascending seqs');
      kept.set(m.msg, m.seq);
      after = m.seq;
    }
    if (!answer.more) break;
  }
  for (const [msg, seq] of ackedAtKill) {
    assert.equal(kept.get(msg), seq, `acknowledged chat ${msg} (seq ${seq}) is kept, same seq`);
  }
  // New chats continue above every seq handed out before the kill, and resends are known.
  const writer = await join(t, again.port, 'dan', { caps: ['history'] });
  const [firstMsg, firstSeq] = [...ackedAtKill][0]!;
  writer.send({ cmd: '7', msg: firstMsg, id: 'resend', cid: firstMsg });
  assert.equal((await writer.expect('71')).seq, firstSeq);
  writer.send({ cmd: '7', msg: 'after the restart', id: 'new' });
  const fresh = await writer.expect('71');
  assert.ok((fresh.seq as number) > Math.max(...kept.values()));
});
