/**
 * A writer for test/history/sqlite-kill.test.ts: appends chats to a SQLite history in two rooms,
 * a turn of them after another, until it is killed. It reports on stdout each chat as its seq is
 * handed out (`seq ROOM SEQ MSG`) and again once it is durable (`durable ROOM SEQ MSG`).
 * Usage: node kill-writer.js DATA_DIR RUN_NAME SEQ_BLOCK
 */
import { SqliteHistory } from '../../src/history/sqlite-history.js';
import { reportLine } from '../report-line.js';

const [dataDir, run, block] = process.argv.slice(2);
if (!dataDir || !run) throw new Error('usage: kill-writer.js DATA_DIR RUN_NAME SEQ_BLOCK');
const store = SqliteHistory.open({ dataDir, seqBlock: Number(block ?? 1000) });
const rooms = ['lobby', 'kitchen'];
let sent = 0;

function turn(): void {
  for (let i = 0; i < 25; i++) {
    const room = rooms[sent % rooms.length]!;
    const msg = `${run}-${sent++}`;
    const { seq, durable } = store.append(room, { from: 'writer', msg, ts: Date.now(), cid: msg });
    reportLine(`seq ${room} ${seq} ${msg}`);
    void durable.then(() => reportLine(`durable ${room} ${seq} ${msg}`));
  }
  setImmediate(turn);
}

reportLine('ready');
turn();
