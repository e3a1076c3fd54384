import { IndexedModerationStore } from './indexed-moderation.js';
import type { AuditEntry, AuditPage, AuditQuery, ModerationOptions } from './moderation.js';

/** What the memory store is given beyond every store's options. */
export interface MemoryModerationOptions extends ModerationOptions {
  /**
   * Audit entries kept, at least the newest this many (default 100,000): a server without a data directory must
   * not grow without end, under a flood of failed OPERs from many addresses say.
   */
  readonly maxAuditEntries?: number;
}

/**
 * Moderation in memory, ending with the process: the store of an embedded or test server given
 * no data directory. Changes reach the listeners of this instance, the only one that sees them.
 */
export class MemoryModerationStore extends IndexedModerationStore {
  private nextBan = 1;
  private nextMute = 1;
  private nextAudit = 1;
  /** Oldest first: ids increase along it. */
  private audit: AuditEntry[] = [];
  private readonly maxAudit: number;

  constructor(options: MemoryModerationOptions = {}) {
    super(options);
    this.maxAudit = options.maxAuditEntries ?? 100_000;
    if (!Number.isSafeInteger(this.maxAudit) || this.maxAudit < 1) {
      throw new RangeError(
        `moderation: maxAuditEntries must be a positive integer, not ${this.maxAudit}`,
      );
    }
  }

  protected storeBan(): string {
    return String(this.nextBan++);
  }

  protected storeMute(): string {
    return String(this.nextMute++);
  }

  protected dropBans(): void {}

  protected dropMutes(): void {}

  protected storeAudit(entry: Omit<AuditEntry, 'id'>): AuditEntry {
    const kept = { id: this.nextAudit++, ...entry };
    this.audit.push(kept);
    // Trimmed a tenth at a time, so that dropping the oldest is not a copy per entry.
    if (this.audit.length > this.maxAudit + Math.ceil(this.maxAudit / 10)) {
      this.audit = this.audit.slice(-this.maxAudit);
    }
    return kept;
  }

  protected auditPage({ limit, before }: AuditQuery): AuditPage {
    // The first entry at or past `before`: ids increase along the list.
    let end = this.audit.length;
    if (before !== undefined) {
      let low = 0;
      while (low < end) {
        const mid = (low + end) >>> 1;
        if (this.audit[mid]!.id < before) low = mid + 1;
        else end = mid;
      }
    }
    const start = Math.max(0, end - limit);
    return { entries: this.audit.slice(start, end).reverse(), more: start > 0 };
  }

  protected release(): void {
    this.audit = [];
  }
}
