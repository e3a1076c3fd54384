import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SqliteModerationStore } from '../../src/moderation-store/sqlite-moderation.js';
import { WAIT_MS } from '../helpers.js';

const WRITER = fileURLToPath(new URL('./kill-writer.js', import.meta.url));
/** Reports from a writer before it is killed. */
const REPORTS_BEFORE_KILL = 300;

/** Runs the writer on `dataDir` until it reported enough, then SIGKILLs it; its reports. */
async function runAndKill(dataDir: string, run: string): Promise<string[][]> {
  const child = spawn(process.execPath, [WRITER, dataDir, run], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const reports: string[][] = [];
  let stderr = '';
  let partial = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    // 'close', not 'exit': every line the writer wrote before it died has been read by then.
    child.on('close', (_code, signal) => resolve(signal)),
  );
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const enough = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`writer too slow:\n${stderr}`)), WAIT_MS * 2);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') continue;
        reports.push(line.split(' '));
        if (reports.length === REPORTS_BEFORE_KILL) {
          clearTimeout(timer);
          // Mid-stream: the writer is committing as the signal arrives.
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

it('keeps every ban, mute and audit entry acknowledged before kill -9, and every unban', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'natter-moderation-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const reports = [...(await runAndKill(dataDir, 'a')), ...(await runAndKill(dataDir, 'b'))];

  const store = SqliteModerationStore.open({ dataDir });
  t.after(() => store.close());
  const bans = new Map((await store.listBans()).map((b) => [b.target, b.id]));
  const mutes = new Map((await store.listMutes()).map((m) => [m.nickname, m.id]));
  const audit = new Map(
    (await store.readAudit({ limit: 10_000 })).entries.map((e) => [e.action, e.id]),
  );
  const lifted = new Set(reports.filter(([kind]) => kind === 'unban').map(([, target]) => target));
  // A removal under way when the kill came: either outcome is right.
  const lifting = new Set(reports.filter(([k]) => k === 'lifting').map(([, target]) => target));
  let checked = 0;
  for (const [kind, target, id] of reports) {
    if (kind === 'ban' && !lifted.has(target!) && !lifting.has(target!))
      assert.equal(bans.get(target!), id, `ban ${target}`);
    if (kind === 'unban') assert.equal(bans.has(target!), false, `unban ${target}`);
    if (kind === 'mute') assert.equal(mutes.get(target!), id, `mute ${target}`);
    if (kind === 'audit') assert.equal(audit.get(target!), Number(id), `audit ${target}`);
    checked++;
  }
  assert.ok(checked >= 2 * REPORTS_BEFORE_KILL, `${checked} checked`);
  // Ids go on past every id handed out before the kills.
  const highest = Math.max(...reports.filter(([k]) => k === 'ban').map(([, , id]) => Number(id)));
  const next = await store.addBan({ nickname: 'after', by: 'root' });
  assert.ok(Number(next.id) > highest, `${next.id} after ${highest}`);
});
