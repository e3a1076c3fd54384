/**
 * A writer for test/history/sqlite-kill.test.ts: appends chats to a SQLite history in two rooms,
 * a turn of them after another, until it is killed. It reports on stdout each chat as its seq is
 * handed out (`seq ROOM SEQ MSG`) and again once it is durable (`durable ROOM SEQ MSG`).
 * Usage: node kill-writer.js DATA_DIR RUN_NAME SEQ_BLOCK
 */
import { writeSync } from 'node:fs';
import { SqliteHistory } from '../../src/history/sqlite-history.js';

const [dataDir, run, block] = process.argv.slice(2);
if (!dataDir || !run) throw new Error('usage: kill-writer.js DATA_DIR RUN_NAME SEQ_BLOCK');
const store = SqliteHistory.open({ dataDir, seqBlock: Number(block ?? 1000) });
const rooms = ['lobby', 'kitchen'];
let sent = 0;

/**
 * A line to the parent, written to the pipe before this returns: killed or not, what was said
 * is the parent's. (process.stdout may hold a write back when the pipe is busy, and a kill loses
 * it: then a chat could be stored that was never reported.)
 */
const say = (line: string) => {
  const bytes = Buffer.from(`${line}\n`);
  for (let at = 0; at < bytes.length;) {
    try {
      at += writeSync(1, bytes, at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
};

function turn(): void {
  for (let i = 0; i < 25; i++) {
    const room = rooms[sent % rooms.length]!;
    const msg = `${run}-${sent++}`;
    const { seq, durable } = store.append(room, { from: 'writer', msg, ts: Date.now(), cid: msg });
    say(`seq ${room} ${seq} ${msg}`);
    void durable.then(() => say(`durable ${room} ${seq} ${msg}`));
  }
  setImmediate(turn);
}

say('ready');
turn();
