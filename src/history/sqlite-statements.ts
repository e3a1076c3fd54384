/**
 * Every statement the SQLite history runs, prepared once when the store opens.
 */
import type Database from 'better-sqlite3';

/** A row of `messages` as a page reads it: seq, ts, sender, msg. */
export type MessageRow = [number, number, string, string];
/** The head of a room's messages or cids, as retention reads it: seq, ts. */
export type HeadRow = [number, number];

type Statement<P extends unknown[] = [], R = unknown> = Database.Statement<P, R>;

/** The statements, by what they do. */
export interface Statements {
  readonly begin: Statement;
  readonly commit: Statement;
  readonly rollback: Statement;
  readonly loadRooms: Statement<[], RoomRow>;
  readonly insertRoom: Statement<[string, number]>;
  readonly reserve: Statement<[number, number]>;
  readonly setTrimmed: Statement<[number, number]>;
  readonly insertMessage: Statement<[number, number, number, string, string]>;
  readonly findCid: Statement<[number, string], HeadRow>;
  readonly putCid: Statement<[number, string, number, number]>;
  /** The oldest chats newer than a seq and older than another, oldest first. */
  readonly pageAfter: Statement<[number, number, number, number], MessageRow>;
  /** The newest chats older than a seq, newest first. */
  readonly pageBefore: Statement<[number, number, number], MessageRow>;
  readonly messagesHead: Statement<[number, number], HeadRow>;
  readonly deleteMessagesThrough: Statement<[number, number]>;
  readonly cidsHead: Statement<[number, number], HeadRow>;
  readonly deleteCidsThrough: Statement<[number, number]>;
}

/** A row of `rooms`. */
export interface RoomRow {
  readonly id: number;
  readonly key: string;
  readonly seq_reserved: number;
  readonly trimmed: number;
}

export function prepareStatements(db: Database.Database): Statements {
  return {
    begin: db.prepare('BEGIN'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    loadRooms: db.prepare<[], RoomRow>('SELECT id, key, seq_reserved, trimmed FROM rooms'),
    insertRoom: db.prepare<[string, number]>('INSERT INTO rooms (key, seq_reserved) VALUES (?, ?)'),
    reserve: db.prepare<[number, number]>('UPDATE rooms SET seq_reserved = ? WHERE id = ?'),
    setTrimmed: db.prepare<[number, number]>('UPDATE rooms SET trimmed = ? WHERE id = ?'),
    insertMessage: db.prepare<[number, number, number, string, string]>(
      'INSERT INTO messages (room, seq, ts, sender, msg) VALUES (?, ?, ?, ?, ?)',
    ),
    findCid: db
      .prepare<[number, string], HeadRow>('SELECT seq, ts FROM cids WHERE room = ? AND cid = ?')
      .raw(),
    // REPLACE: a cid accepted again after its window ended takes the place of the old entry.
    putCid: db.prepare<[number, string, number, number]>(
      'INSERT OR REPLACE INTO cids (room, cid, seq, ts) VALUES (?, ?, ?, ?)',
    ),
    pageAfter: db
      .prepare<[number, number, number, number], MessageRow>(
        'SELECT seq, ts, sender, msg FROM messages WHERE room = ? AND seq > ? AND seq < ? ' +
          'ORDER BY seq LIMIT ?',
      )
      .raw(),
    pageBefore: db
      .prepare<[number, number, number], MessageRow>(
        'SELECT seq, ts, sender, msg FROM messages WHERE room = ? AND seq < ? ' +
          'ORDER BY seq DESC LIMIT ?',
      )
      .raw(),
    messagesHead: db
      .prepare<[number, number], HeadRow>(
        'SELECT seq, ts FROM messages WHERE room = ? ORDER BY seq LIMIT ?',
      )
      .raw(),
    deleteMessagesThrough: db.prepare<[number, number]>(
      'DELETE FROM messages WHERE room = ? AND seq <= ?',
    ),
    cidsHead: db
      .prepare<[number, number], HeadRow>(
        'SELECT seq, ts FROM cids WHERE room = ? ORDER BY seq LIMIT ?',
      )
      .raw(),
    deleteCidsThrough: db.prepare<[number, number]>('DELETE FROM cids WHERE room = ? AND seq <= ?'),
  };
}
