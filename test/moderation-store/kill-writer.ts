/**
 * A writer for test/moderation-store/sqlite-kill.test.ts: bans, mutes and records actions in a
 * SQLite moderation store as fast as it can, until it is killed. It reports on stdout each one
 * once its call resolved (`ban TARGET ID`, `mute NICKNAME ID`, `audit ACTION ID`, `unban TARGET`),
 * and `lifting TARGET` before it removes a ban.
 * Usage: node kill-writer.js DATA_DIR RUN_NAME
 */
import { SqliteModerationStore } from '../../src/moderation-store/sqlite-moderation.js';
import { reportLine } from '../report-line.js';

const [dataDir, run] = process.argv.slice(2);
if (!dataDir || !run) throw new Error('usage: kill-writer.js DATA_DIR RUN_NAME');
const store = SqliteModerationStore.open({ dataDir });

reportLine('ready');
for (let i = 0; ; i++) {
  const nickname = `${run}-n${i}`;
  const ban = await store.addBan({ nickname, by: 'root', reason: `r${i}` });
  reportLine(`ban ${nickname} ${ban.id}`);
  const address = `${run.charCodeAt(0)}.${(i >> 8) & 0xff}.${i & 0xff}.0/24`;
  const block = await store.addBan({ address, by: 'root', durationMs: 3_600_000 });
  reportLine(`ban ${block.target} ${block.id}`);
  const mute = await store.addMute({ nickname, by: 'root' });
  reportLine(`mute ${nickname} ${mute.id}`);
  const entry = await store.appendAudit({ by: 'root', action: `ban-${run}-${i}` });
  reportLine(`audit ${entry.action} ${entry.id}`);
  // Every other nickname ban is lifted again: a lifted one must stay lifted.
  if (i % 2 === 1) {
    // Said first: killed after the removal and before its report, the ban may be gone or not.
    reportLine(`lifting ${nickname}`);
    await store.removeBan({ nickname });
    reportLine(`unban ${nickname}`);
  }
}
