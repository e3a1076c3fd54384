import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SqliteHistory } from '../../src/history/sqlite-history.js';
import { WAIT_MS } from '../helpers.js';

const WRITER = fileURLToPath(new URL('./kill-writer.js', import.meta.url));
/** Chats reported durable by a writer before it is killed. */
const DURABLE_BEFORE_KILL = 400;
/** Small blocks, so that a run reserves many times and a kill lands inside a block. */
const SEQ_BLOCK = 7;

interface Report {
  readonly kind: 'seq' | 'durable';
  readonly room: string;
  readonly seq: number;
  readonly msg: string;
}

/** Runs the writer on `dataDir` until it reported enough durable chats, then SIGKILLs it. */
async function runAndKill(dataDir: string, run: string): Promise<Report[]> {
  const child = spawn(process.execPath, [WRITER, dataDir, run, String(SEQ_BLOCK)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const reports: Report[] = [];
  let stderr = '';
  let partial = '';
  let durable = 0;
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    // 'close', not 'exit': every line the writer wrote before it died has been read by then.
    child.on('close', (_code, signal) => resolve(signal)),
  );
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const enough = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`writer too slow:\n${stderr}`)), WAIT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const [kind, room, seq, msg] = line.split(' ');
        if (kind !== 'seq' && kind !== 'durable') continue;
        reports.push({ kind, room: room!, seq: Number(seq), msg: msg! });
        if (kind === 'durable' && ++durable === DURABLE_BEFORE_KILL) {
          clearTimeout(timer);
          // Mid-stream: the writer is appending and committing as the signal arrives.
          child.kill('SIGKILL');
          resolve();
        }
      }
    });
    void exited.then(() => reject(new Error(`writer exited on its own:\n${stderr}`)));
  });
  try {
    await enough;
  } finally {
    child.kill('SIGKILL');
  }
  assert.equal(await exited, 'SIGKILL');
  return reports;
}

it('keeps every chat reported durable across kill -9, with its seq, and never reuses a seq', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'natter-history-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const runs = [await runAndKill(dataDir, 'a'), await runAndKill(dataDir, 'b')];
  const reports = runs.flat();

  // Every seq handed out in a room stood for one chat only, across both runs.
  const handed = new Map<string, string>();
  for (const r of reports.filter((r) => r.kind === 'seq')) {
    const key = `${r.room} ${r.seq}`;
    assert.equal(handed.get(key) ?? r.msg, r.msg, `seq ${key} handed out twice`);
    handed.set(key, r.msg);
  }

  const store = SqliteHistory.open({ dataDir });
  t.after(() => store.close());
  for (const room of ['lobby', 'kitchen']) {
    const stored = new Map<number, string>();
    for (let after = 0, more = true; more;) {
      const page = store.page(room, { after, limit: 200 });
      for (const m of page.messages) stored.set(m.seq, m.msg);
      after = page.messages.at(-1)?.seq ?? after;
      more = page.more;
    }
    const durable = reports.filter((r) => r.kind === 'durable' && r.room === room);
    assert.ok(durable.length > DURABLE_BEFORE_KILL / 2);
    for (const r of durable) {
      assert.equal(stored.get(r.seq), r.msg, `durable ${room} ${r.seq} is kept as it was`);
    }
    for (const [seq, msg] of stored) {
      assert.equal(handed.get(`${room} ${seq}`), msg, `stored ${room} ${seq} was handed out`);
    }
    // After the second kill too, numbering continues past everything handed out.
    const highest = Math.max(...reports.filter((r) => r.room === room).map((r) => r.seq));
    assert.ok(store.lastSeq(room) >= highest);
    const next = store.append(room, { from: 'x', msg: 'after', ts: Date.now() });
    assert.ok(next.seq > highest, `${room}: ${next.seq} after ${highest}`);
    // A cid the writer used is remembered across the kill.
    const last = durable.at(-1)!;
    const again = store.append(room, {
      from: 'writer',
      msg: last.msg,
      ts: Date.now(),
      cid: last.msg,
    });
    assert.deepEqual([again.seq, again.duplicate], [last.seq, true]);
  }
});
