import type {
  AuditEntry,
  AuditPage,
  AuditQuery,
  Ban,
  BanTarget,
  ModerationChange,
  ModerationOptions,
  ModerationStore,
  Mute,
  NewAuditEntry,
  NewBan,
  NewMute,
} from './moderation.js';
import { ModerationIndex } from './moderation-index.js';
import {
  active,
  banOf,
  ChangeListeners,
  checkAuditQuery,
  heldBy,
  heldNickname,
  muteOf,
  oldestFirst,
  prepareAudit,
  prepareBan,
  prepareMute,
  warn,
  type Prepared,
} from './moderation-rules.js';

/** How long after a sweep that failed the next is tried. */
const SWEEP_RETRY_MS = 60_000;

/**
 * A {@link ModerationStore} that holds every ban and mute in its own memory, answering finds
 * and lists from there, and keeps them (and the audit log) wherever a subclass says: nowhere
 * else for the memory store, a SQLite file for the persistent one. Only one process uses that
 * storage, so this memory is all there is to know, and a change reaches the listeners of this
 * instance alone.
 *
 * A subclass's storage methods run synchronously and either do all they are asked or throw
 * having done nothing; the memory here changes only after they returned.
 */
export abstract class IndexedModerationStore implements ModerationStore {
  protected readonly now: () => number;
  private readonly index = new ModerationIndex();
  private readonly listeners: ChangeListeners;
  private readonly onError: (error: unknown) => void;
  /** The earliest expiry among the entries held: a find past it removes what expired. */
  private nextExpiry = Infinity;
  private closed = false;

  constructor(options: ModerationOptions = {}) {
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? warn;
    this.listeners = new ChangeListeners(this.onError);
  }

  /** Keeps a new ban and removes those it replaces, in one step; its id. */
  protected abstract storeBan(ban: Prepared, replaced: readonly Ban[]): string;
  protected abstract storeMute(mute: Prepared, replaced: readonly Mute[]): string;
  protected abstract dropBans(bans: readonly Ban[]): void;
  protected abstract dropMutes(mutes: readonly Mute[]): void;
  /** Records an audit entry; it with its id. */
  protected abstract storeAudit(entry: Omit<AuditEntry, 'id'>): AuditEntry;
  protected abstract auditPage(query: AuditQuery): AuditPage;
  /** Lets go of the storage. */
  protected abstract release(): void;

  /** Fills the memory with what the storage kept (expired entries are removed at once). */
  protected load(bans: Iterable<Ban>, mutes: Iterable<Mute>): void {
    for (const ban of bans) this.index.putBan(ban);
    for (const mute of mutes) this.index.putMute(mute);
    this.sweep(this.now());
  }

  async addBan(input: NewBan): Promise<Ban> {
    this.checkOpen();
    const now = this.now();
    const prepared = prepareBan(input, now);
    const replaced = this.index.banConflicts(prepared);
    const ban = banOf(this.storeBan(prepared, replaced), prepared);
    for (const old of replaced) this.index.deleteBan(old.id);
    this.index.putBan(ban);
    this.expiring(ban);
    for (const old of replaced) if (active(old, now)) this.emit({ type: 'unban', ban: old });
    this.emit({ type: 'ban', ban });
    return ban;
  }

  async removeBan(target: BanTarget): Promise<Ban[]> {
    this.checkOpen();
    const found = this.index.banConflicts(heldBy(target));
    return this.liftBans(found, this.now());
  }

  async listBans(): Promise<Ban[]> {
    this.checkOpen();
    const now = this.now();
    return this.index
      .bans()
      .filter((ban) => active(ban, now))
      .sort(oldestFirst);
  }

  async findBan(client: { nickname: string; address: string }): Promise<Ban | undefined> {
    this.checkOpen();
    const now = this.now();
    if (now >= this.nextExpiry) this.sweep(now);
    return this.index.findBan(client.nickname, client.address, now);
  }

  async addMute(input: NewMute): Promise<Mute> {
    this.checkOpen();
    const now = this.now();
    const prepared = prepareMute(input, now);
    const replaced = this.index.muteConflicts(prepared);
    const mute = muteOf(this.storeMute(prepared, replaced), prepared);
    for (const old of replaced) this.index.deleteMute(old.id);
    this.index.putMute(mute);
    this.expiring(mute);
    for (const old of replaced) if (active(old, now)) this.emit({ type: 'unmute', mute: old });
    this.emit({ type: 'mute', mute });
    return mute;
  }

  async removeMute(nickname: string): Promise<Mute[]> {
    this.checkOpen();
    const found = this.index.muteConflicts(heldNickname(nickname));
    if (found.length === 0) return [];
    this.dropMutes(found);
    for (const mute of found) this.index.deleteMute(mute.id);
    const now = this.now();
    const lifted = found.filter((mute) => active(mute, now)).sort(oldestFirst);
    for (const mute of lifted) this.emit({ type: 'unmute', mute });
    return lifted;
  }

  async listMutes(): Promise<Mute[]> {
    this.checkOpen();
    const now = this.now();
    return this.index
      .allMutes()
      .filter((mute) => active(mute, now))
      .sort(oldestFirst);
  }

  async findMute(nickname: string): Promise<Mute | undefined> {
    this.checkOpen();
    const now = this.now();
    if (now >= this.nextExpiry) this.sweep(now);
    return this.index.findMute(nickname, now);
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    this.checkOpen();
    return this.storeAudit(prepareAudit(entry, this.now()));
  }

  async readAudit(query: AuditQuery): Promise<AuditPage> {
    this.checkOpen();
    checkAuditQuery(query);
    return this.auditPage(query);
  }

  onChange(listener: (change: ModerationChange) => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.release();
  }

  private liftBans(found: Ban[], now: number): Ban[] {
    if (found.length === 0) return [];
    this.dropBans(found);
    for (const ban of found) this.index.deleteBan(ban.id);
    const lifted = found.filter((ban) => active(ban, now)).sort(oldestFirst);
    for (const ban of lifted) this.emit({ type: 'unban', ban });
    return lifted;
  }

  private expiring(entry: { readonly expiresAt: number | null }): void {
    if (entry.expiresAt !== null) this.nextExpiry = Math.min(this.nextExpiry, entry.expiresAt);
  }

  /**
   * Removes what expired, from the storage and from memory. Done when a find passes the
   * earliest expiry, so nothing expired lingers past the next find. A storage that fails is
   * reported and tried again a minute later: the finds themselves leave expired entries out.
   */
  private sweep(now: number): void {
    const bans = this.index.bans().filter((ban) => !active(ban, now));
    const mutes = this.index.allMutes().filter((mute) => !active(mute, now));
    try {
      if (bans.length > 0) this.dropBans(bans);
      if (mutes.length > 0) this.dropMutes(mutes);
    } catch (error) {
      this.onError(error);
      this.nextExpiry = now + SWEEP_RETRY_MS;
      return;
    }
    for (const ban of bans) this.index.deleteBan(ban.id);
    for (const mute of mutes) this.index.deleteMute(mute.id);
    this.nextExpiry = Infinity;
    for (const entry of [...this.index.bans(), ...this.index.allMutes()]) this.expiring(entry);
  }

  private emit(change: ModerationChange): void {
    this.listeners.emit(change);
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('moderation: the store is closed');
  }
}
