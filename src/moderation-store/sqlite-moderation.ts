import type Database from 'better-sqlite3';
import { IndexedModerationStore } from '../backends/indexed-moderation.js';
import type {
  AuditDetails,
  AuditEntry,
  AuditPage,
  AuditQuery,
  Ban,
  ModerationOptions,
  Mute,
} from '../backends/moderation.js';
import type { Prepared } from '../backends/moderation-rules.js';
import { openModerationDatabase } from './sqlite-schema.js';

/** What the SQLite store is given beyond every store's options. */
export interface SqliteModerationOptions extends ModerationOptions {
  /** The directory the database lives in (created if missing), `moderation.sqlite` in it. */
  readonly dataDir: string;
}

type BanRow = [number, string, string, string, string, number, number | null];
type MuteRow = [number, string, string, string, number, number | null];
type AuditRow = [number, number, string, string, string, string, string];

/**
 * Moderation in an embedded SQLite database (better-sqlite3): the persistent store of a single
 * node, under its data directory. Every ban and mute is also held in memory (there are few, and
 * CONNECT looks them up), loaded at open; every change is committed before its call resolves,
 * so an acknowledged ban survives the process being killed. The audit log is read from the
 * file a page at a time. One process at a time may open a data directory.
 */
export class SqliteModerationStore extends IndexedModerationStore {
  private readonly statements: Statements;

  private constructor(
    private readonly db: Database.Database,
    options: ModerationOptions,
  ) {
    super(options);
    this.statements = prepare(db);
    const bans = this.statements.loadBans
      .all()
      .map(([id, kind, target, reason, by, createdAt, expiresAt]): Ban => ({
        id: String(id),
        kind: kind as Ban['kind'],
        target,
        reason,
        by,
        createdAt,
        expiresAt,
      }));
    const mutes = this.statements.loadMutes
      .all()
      .map(([id, nickname, reason, by, createdAt, expiresAt]): Mute => ({
        id: String(id),
        nickname,
        reason,
        by,
        createdAt,
        expiresAt,
      }));
    this.load(bans, mutes);
  }

  /** Opens (or creates) the store under `options.dataDir`; throws if it cannot. */
  static open(options: SqliteModerationOptions): SqliteModerationStore {
    const db = openModerationDatabase(options.dataDir);
    try {
      return new SqliteModerationStore(db, options);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  protected storeBan(ban: Prepared, replaced: readonly Ban[]): string {
    return this.db.transaction(() => {
      for (const old of replaced) this.statements.deleteBan.run(Number(old.id));
      const { kind, target, reason, by, createdAt, expiresAt } = ban;
      const row = this.statements.insertBan.run(kind, target, reason, by, createdAt, expiresAt);
      return String(row.lastInsertRowid);
    })();
  }

  protected storeMute(mute: Prepared, replaced: readonly Mute[]): string {
    return this.db.transaction(() => {
      for (const old of replaced) this.statements.deleteMute.run(Number(old.id));
      const { target, reason, by, createdAt, expiresAt } = mute;
      const row = this.statements.insertMute.run(target, reason, by, createdAt, expiresAt);
      return String(row.lastInsertRowid);
    })();
  }

  protected dropBans(bans: readonly Ban[]): void {
    this.db.transaction(() => {
      for (const ban of bans) this.statements.deleteBan.run(Number(ban.id));
    })();
  }

  protected dropMutes(mutes: readonly Mute[]): void {
    this.db.transaction(() => {
      for (const mute of mutes) this.statements.deleteMute.run(Number(mute.id));
    })();
  }

  protected storeAudit(entry: Omit<AuditEntry, 'id'>): AuditEntry {
    const { at, by, action, target, reason, details } = entry;
    const row = this.statements.insertAudit.run(
      at,
      by,
      action,
      target,
      reason,
      JSON.stringify(details),
    );
    return { id: Number(row.lastInsertRowid), ...entry };
  }

  protected auditPage({ limit, before }: AuditQuery): AuditPage {
    // One row past the limit tells whether there are more.
    const rows = this.statements.auditPage.all(before ?? Number.MAX_SAFE_INTEGER, limit + 1);
    const more = rows.length > limit;
    if (more) rows.pop();
    const entries = rows.map(([id, at, by, action, target, reason, details]): AuditEntry => ({
      id,
      at,
      by,
      action,
      target,
      reason,
      details: JSON.parse(details) as AuditDetails,
    }));
    return { entries, more };
  }

  protected release(): void {
    this.db.close();
  }
}

type Statements = ReturnType<typeof prepare>;

/** The statements, prepared once; rows come back as arrays, in the order of their columns. */
function prepare(db: Database.Database) {
  return {
    loadBans: db
      .prepare<[], BanRow>(
        'SELECT id, kind, target, reason, actor, created_at, expires_at FROM bans',
      )
      .raw(),
    loadMutes: db
      .prepare<[], MuteRow>('SELECT id, nickname, reason, actor, created_at, expires_at FROM mutes')
      .raw(),
    insertBan: db.prepare<[string, string, string, string, number, number | null]>(
      'INSERT INTO bans (kind, target, reason, actor, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    insertMute: db.prepare<[string, string, string, number, number | null]>(
      'INSERT INTO mutes (nickname, reason, actor, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    ),
    deleteBan: db.prepare<[number]>('DELETE FROM bans WHERE id = ?'),
    deleteMute: db.prepare<[number]>('DELETE FROM mutes WHERE id = ?'),
    insertAudit: db.prepare<[number, string, string, string, string, string]>(
      'INSERT INTO audit (at, actor, action, target, reason, details) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    auditPage: db
      .prepare<[number, number], AuditRow>(
        'SELECT id, at, actor, action, target, reason, details FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?',
      )
      .raw(),
  };
}
