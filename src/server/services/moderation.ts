import type { Ban, ModerationChange, ModerationStore, Mute } from '../../backends/moderation.js';
import { ModerationIndex } from '../../backends/moderation-index.js';
import type { ErrorName } from '../../protocol/errors.js';
import type { Logger } from '../logger.js';
import type { Session } from '../session.js';
import type { LocalMembers } from './local-members.js';

/** How often every node reads the bans and mutes again, whatever it was told meanwhile. */
const REREAD_MS = 60_000;
/** A read that failed is tried again after this, then twice as long each time, up to... */
const RETRY_FIRST_MS = 1000;
/** ...this. */
const RETRY_MOST_MS = 30_000;
/** How long a lifted ban or mute is remembered, so that its late notice is not taken. */
const LIFTED_KEPT_MS = 10 * 60_000;

/** A refusal as a session end: the error, its reason text and its fields. */
export interface Refusal {
  readonly error: ErrorName;
  readonly detail: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** What the server's moderation is given. */
export interface ModerationDeps {
  readonly members: LocalMembers;
  readonly logger: Logger;
  /** Wall-clock ms since the epoch, as bans and mutes are timed (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * The bans and mutes in force on this node (docs/protocol.md, section 13): a copy of the
 * store's active entries, loaded when the server opens and kept current by the store's change
 * notices (from this node and, in a cluster, every other), so that CONNECT, CHAT and WHISPER
 * check them without asking the store. A ban that arrives closes this node's members it
 * matches, wherever it was made.
 */
export class Moderation {
  private store: ModerationStore | undefined;
  private stopListening: (() => void) | undefined;
  private index = new ModerationIndex();
  /** Mutes held, expired ones included: none is the common case, checked first on every chat. */
  private muteCount = 0;
  /** Bumped by every mute change: a session's remembered mute is stale once it differs. */
  private muteGeneration = 0;
  private readonly mutesBySession = new WeakMap<
    Session,
    { nickname: string; generation: number; mute: Mute | undefined }
  >();
  /**
   * Bans and mutes lifted lately (`ban <id>`, `mute <id>`: the two count apart), and when: a
   * late notice of one is not taken.
   */
  private readonly lifted = new Map<string, number>();
  /** The changes told while a reload reads the lists, to apply to what it read. */
  private during: ModerationChange[] | undefined;
  private reread: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private retryMs = RETRY_FIRST_MS;
  /** Address blocks whose bans do not close a session: its own operator's. */
  private readonly exemptions = new WeakMap<Session, Set<string>>();
  readonly now: () => number;

  constructor(private readonly deps: ModerationDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The store, once open. */
  get current(): ModerationStore {
    if (!this.store) throw new Error('moderation is not open');
    return this.store;
  }

  /**
   * Starts from `store`'s active bans and mutes, and follows its changes; reads them all again
   * every {@link REREAD_MS} too, which drops the expired ones and repairs whatever a lost
   * notice left out.
   */
  async open(store: ModerationStore): Promise<void> {
    this.store = store;
    this.stopListening = store.onChange((change) => this.changed(change));
    await this.reload();
    this.reread = setInterval(() => this.resync(), REREAD_MS).unref();
  }

  /** Stops following the store and closes it. */
  async close(): Promise<void> {
    clearInterval(this.reread);
    clearTimeout(this.retry);
    this.stopListening?.();
    this.stopListening = undefined;
    const store = this.store;
    this.store = undefined;
    await store?.close();
  }

  /** The ban that refuses a client with this nickname and address, if any (rule 13.5). */
  banFor(nickname: string, address: string): Ban | undefined {
    return this.index.findBan(nickname, address, this.now());
  }

  /** The mute in force on this member, if any (rule 13.6): cheap when there is none. */
  muteFor(session: Session): Mute | undefined {
    if (this.muteCount === 0) return undefined;
    const nickname = session.nickname;
    const known = this.mutesBySession.get(session);
    let mute: Mute | undefined;
    if (known && known.nickname === nickname && known.generation === this.muteGeneration) {
      mute = known.mute;
    } else {
      mute = this.index.findMute(nickname, this.now());
      this.mutesBySession.set(session, { nickname, generation: this.muteGeneration, mute });
    }
    return mute && (mute.expiresAt === null || mute.expiresAt > this.now()) ? mute : undefined;
  }

  /**
   * Mutes a member of this node at once, before the store has the mute (the banned-phrase
   * filter's `mute`): its next chat, read in the same moment, is refused too. The store's
   * notice of the mute then takes over.
   */
  muteNow(session: Session, mute: Mute): void {
    this.muteCount++; // at most one too many: the fast path is then only slower
    const nickname = session.nickname;
    this.mutesBySession.set(session, { nickname, generation: this.muteGeneration, mute });
  }

  /** BANNED `931` for a ban: who, until when, why (rule 13.5). */
  banned(ban: Ban): Refusal {
    const until = ban.expiresAt === null ? '' : ` until ${new Date(ban.expiresAt).toISOString()}`;
    const why = ban.reason === '' ? '' : `: ${ban.reason}`;
    return {
      error: 'BANNED',
      detail: `banned by ${ban.by}${until}${why}`,
      fields: { by: ban.by, expiresAt: ban.expiresAt },
    };
  }

  /** MUTED `932` for a mute (rule 13.6). */
  muted(mute: Mute): Refusal {
    const left = mute.expiresAt === null ? undefined : Math.max(1, mute.expiresAt - this.now());
    const until = left === undefined ? '' : ` for another ${describeMs(left)}`;
    const why = mute.reason === '' ? '' : `: ${mute.reason}`;
    return {
      error: 'MUTED',
      detail: `muted by ${mute.by}${until}${why}`,
      fields: { retryAfterMs: left ?? null, expiresAt: mute.expiresAt, by: mute.by },
    };
  }

  /**
   * Spares `session` from the ban of address block `block` (canonical): an operator's own
   * address ban does not close the operator who made it (rule 13.3).
   */
  exempt(session: Session, block: string): void {
    const blocks = this.exemptions.get(session);
    if (blocks) blocks.add(block);
    else this.exemptions.set(session, new Set([block]));
  }

  /** Applies a change at once, before its notice arrives (which then changes nothing). */
  applied(change: ModerationChange): void {
    this.changed(change);
  }

  private changed(change: ModerationChange): void {
    // Also replayed on the index a reload is about to put in place.
    if (change.type !== 'resync') this.during?.push(change);
    switch (change.type) {
      case 'ban':
        // A ban lifted already (its notice came first, from another node) stays lifted.
        if (this.lifted.has(`ban ${change.ban.id}`)) return;
        this.index.putBan(change.ban);
        this.enforce();
        return;
      case 'unban':
        this.lifted.set(`ban ${change.ban.id}`, this.now());
        this.index.deleteBan(change.ban.id);
        return;
      case 'mute':
        if (this.lifted.has(`mute ${change.mute.id}`)) return;
        if (!this.index.allMutes().some((m) => m.id === change.mute.id)) this.muteCount++;
        this.index.putMute(change.mute);
        this.muteGeneration++;
        return;
      case 'unmute':
        this.lifted.set(`mute ${change.mute.id}`, this.now());
        if (this.index.deleteMute(change.mute.id)) this.muteCount--;
        this.muteGeneration++;
        return;
      case 'resync':
        this.resync();
    }
  }

  /** Reads the lists again; until that succeeds, again and again, less and less often. */
  private resync(): void {
    if (!this.store || this.during) return;
    clearTimeout(this.retry);
    this.reload().then(
      () => (this.retryMs = RETRY_FIRST_MS),
      (err: unknown) => {
        if (!this.store) return;
        this.deps.logger.warn(`moderation: could not read the bans again: ${String(err)}`);
        this.retry = setTimeout(() => this.resync(), this.retryMs).unref();
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MOST_MS);
      },
    );
  }

  /**
   * Reads every active ban and mute again, then closes the members they hold. Changes told
   * while the lists are read are applied to the new index as well.
   */
  private async reload(): Promise<void> {
    const store = this.current;
    this.during = [];
    try {
      const [bans, mutes] = await Promise.all([store.listBans(), store.listMutes()]);
      const index = new ModerationIndex();
      for (const ban of bans) if (!this.lifted.has(`ban ${ban.id}`)) index.putBan(ban);
      for (const mute of mutes) if (!this.lifted.has(`mute ${mute.id}`)) index.putMute(mute);
      const told = this.during;
      this.during = undefined;
      this.index = index;
      this.muteCount = index.allMutes().length;
      this.muteGeneration++;
      for (const change of told) this.changed(change);
      this.enforce();
      // A lifted entry's late notice can no longer be on its way after a while.
      const old = this.now() - LIFTED_KEPT_MS;
      for (const [id, at] of this.lifted) if (at < old) this.lifted.delete(id);
    } finally {
      this.during = undefined;
    }
  }

  /** Closes this node's members that a ban holds (rule 13.5). */
  private enforce(): void {
    for (const session of [...this.deps.members.sessions()]) {
      const ban = this.banFor(session.nickname, session.endpoints.remoteAddress);
      if (!ban || (ban.kind === 'address' && this.exemptions.get(session)?.has(ban.target))) {
        continue;
      }
      session.end({ kind: 'error', ...this.banned(ban) });
    }
  }
}

/** `4m 10s`, `2h 5m`, `3d 4h`: a duration as a person reads it, to the second. */
export function describeMs(ms: number): string {
  const s = Math.ceil(ms / 1000);
  const [d, h, m] = [Math.floor(s / 86_400), Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60];
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return s % 60 > 0 ? `${m}m ${s % 60}s` : `${m}m`;
  return `${s}s`;
}
