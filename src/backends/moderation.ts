/**
 * Moderation: bans (of a nickname, an address or a CIDR block), mutes (of a nickname) and the
 * audit log of what operators did. Three implementations pass one contract
 * (test/backends/moderation-contract.ts): {@link MemoryModerationStore} (memory-moderation.ts)
 * for an embedded or test server, `SqliteModerationStore` (src/moderation-store/, under a data
 * directory, loaded only with one: src/moderation-store/open.ts), and `RedisModerationStore`
 * (src/cluster/redis-moderation.ts), shared by the nodes of a cluster.
 *
 * Nicknames are compared as the directory compares them (`nicknameKeys`, src/protocol/names.ts):
 * a ban or mute of `Alice` also holds `ALICE`, `Ａｌｉｃｅ` and `Аlice` (Cyrillic А), since those
 * could not take a nickname `Alice` holds either. Addresses and blocks are taken in their
 * canonical text (src/moderation/address-match.ts): `::ffff:192.0.2.1` is `192.0.2.1`.
 */

/** What a ban holds off: one nickname, or one address or CIDR block. */
export type BanTarget = { readonly nickname: string } | { readonly address: string };

/** A ban, as a store keeps it. */
export interface Ban {
  /** Unique in the store, never reused; opaque. */
  readonly id: string;
  readonly kind: 'nickname' | 'address';
  /** The nickname as given, or the address or block in canonical text (`10.0.0.0/8`). */
  readonly target: string;
  /** Why, as the operator said it ('' when they did not). */
  readonly reason: string;
  /** The operator's name. */
  readonly by: string;
  /** Milliseconds since the epoch, by the store's clock. */
  readonly createdAt: number;
  /** When it ends by itself, in ms since the epoch; null: when it is lifted. */
  readonly expiresAt: number | null;
}

/** A ban to make: its target and why. */
export type NewBan = BanTarget & {
  readonly reason?: string;
  readonly by: string;
  /** How long it lasts, a positive number of ms; none: until lifted. */
  readonly durationMs?: number;
};

/** A mute: the nickname may not CHAT or WHISPER until it ends. */
export interface Mute {
  readonly id: string;
  /** The nickname as given. */
  readonly nickname: string;
  readonly reason: string;
  readonly by: string;
  readonly createdAt: number;
  /** When it ends by itself; null: when it is lifted. */
  readonly expiresAt: number | null;
}

/** A mute to make. */
export interface NewMute {
  readonly nickname: string;
  readonly reason?: string;
  readonly by: string;
  /** How long it lasts, a positive number of ms; none: until lifted. */
  readonly durationMs?: number;
}

/** Flat, so that every store keeps it as given: strings, finite numbers, booleans, null. */
export type AuditDetails = Readonly<Record<string, string | number | boolean | null>>;

/** An operator's action (or a failed attempt at one) to record. */
export interface NewAuditEntry {
  /** Who: the operator's name, or the address of a failed OPER. */
  readonly by: string;
  /** What: `oper`, `oper-failed`, `ban`, `unban`, `mute`, `unmute`, ... */
  readonly action: string;
  /** Whom: a nickname, an address, an operator's name ('' when none). */
  readonly target?: string;
  /** Why ('' when not said). */
  readonly reason?: string;
  /** Anything else worth keeping: a ban's id and expiry, the client's address, ... */
  readonly details?: AuditDetails;
}

/** A recorded action. */
export interface AuditEntry {
  /** Increasing in the order of recording, never reused: the cursor of {@link AuditQuery}. */
  readonly id: number;
  /** When, in ms since the epoch, by the store's clock. */
  readonly at: number;
  readonly by: string;
  readonly action: string;
  readonly target: string;
  readonly reason: string;
  readonly details: AuditDetails;
}

/** A page of the audit log, newest first. */
export interface AuditQuery {
  /** Entries at most: a positive integer. */
  readonly limit: number;
  /** Only entries older than this id (the last id of the previous page). */
  readonly before?: number;
}

export interface AuditPage {
  /** Newest first. */
  readonly entries: AuditEntry[];
  /** Older entries remain beyond this page. */
  readonly more: boolean;
}

/**
 * A change to the bans or mutes, told to every {@link ModerationStore.onChange} listener of
 * every store sharing the same data. A ban that replaced another is told as the old one's
 * `unban`, then the `ban`. `resync`: changes may have been missed (a cluster's subscription was
 * interrupted); read the lists again. An entry that expires is not a change: every holder of
 * it knows its `expiresAt`.
 */
export type ModerationChange =
  | { readonly type: 'ban' | 'unban'; readonly ban: Ban }
  | { readonly type: 'mute' | 'unmute'; readonly mute: Mute }
  | { readonly type: 'resync' };

/** What every store is given; each field has a default. */
export interface ModerationOptions {
  /** Wall-clock ms since the epoch for creation and expiry (default `Date.now`). */
  readonly now?: () => number;
  /** Told of a change listener that threw (default: a process warning). */
  readonly onError?: (error: unknown) => void;
}

/**
 * The storage seam for moderation. Every method returns a promise: a cluster's store asks
 * Redis. A store that cannot reach its storage rejects with BackendUnavailableError (or
 * OutcomeUnknownError for a change whose answer was lost), as the other backends do.
 *
 * Contract (test/backends/moderation-contract.ts):
 * - One ban per target: a ban of a nickname replaces every active ban of a nickname that shares
 *   a key with it, a ban of an address or block replaces the one of the same block (given in
 *   any form). Mutes alike. Wider and narrower blocks are apart: `10.0.0.0/8` and `10.1.0.0/16`
 *   are two bans, and unbanning one leaves the other.
 * - Expiry: an entry is active until its `expiresAt` (exclusive) by the store's clock. An
 *   expired entry is never returned by a find or a list, and is removed by the store in time.
 * - `findBan` is what CONNECT asks: the active ban that holds the nickname or the address, and
 *   of several, the one that ends last (one until lifted before any), then the newest. An
 *   address that is not an IP address (a pipe's) matches no address ban.
 * - Changes reach every listener of every store over the same data: the same instance in
 *   memory or SQLite, every node's store in Redis. A store's own changes reach its own
 *   listeners too, possibly only after the call resolved.
 * - A target, duration, reason or name that cannot be kept throws a RangeError (an address that
 *   cannot be parsed, an AddressError) and changes nothing.
 * - The audit log only grows (a store in memory keeps its newest entries only); ids increase.
 * - `close` lets go of the storage and is safe to call twice; any call after it rejects.
 */
export interface ModerationStore {
  /** Bans a target; resolves with the ban (the ones it replaced are told as changes). */
  addBan(ban: NewBan): Promise<Ban>;
  /** Lifts the active bans of a target (see the contract); resolves with those lifted. */
  removeBan(target: BanTarget): Promise<Ban[]>;
  /** Every active ban, oldest first. */
  listBans(): Promise<Ban[]>;
  /** The active ban that refuses this client, if any (see the contract). */
  findBan(client: {
    readonly nickname: string;
    readonly address: string;
  }): Promise<Ban | undefined>;
  /** Mutes a nickname; resolves with the mute. */
  addMute(mute: NewMute): Promise<Mute>;
  /** Lifts the active mutes of a nickname; resolves with those lifted. */
  removeMute(nickname: string): Promise<Mute[]>;
  /** Every active mute, oldest first. */
  listMutes(): Promise<Mute[]>;
  /** The active mute of this nickname, the one that ends last, if any. */
  findMute(nickname: string): Promise<Mute | undefined>;
  /** Records an action, stamped with the store's clock. */
  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** A page of the audit log, newest first; a bad limit or cursor throws a RangeError. */
  readAudit(query: AuditQuery): Promise<AuditPage>;
  /** Calls `listener` for every change (see {@link ModerationChange}); returns how to stop. */
  onChange(listener: (change: ModerationChange) => void): () => void;
  close(): Promise<void>;
}
