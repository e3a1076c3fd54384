import type { Redis } from 'ioredis';
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
} from '../backends/moderation.js';
import {
  active,
  ChangeListeners,
  checkAuditQuery,
  heldBy,
  heldNickname,
  lastingFirst,
  oldestFirst,
  prepareAudit,
  prepareBan,
  prepareMute,
  warn,
  type Held,
  type Prepared,
} from '../backends/moderation-rules.js';
import { AddressError, enclosingBlocks, parseAddress } from '../moderation/address-match.js';
import { nicknameKeys } from '../protocol/names.js';
import { MODERATION_SCRIPTS } from './redis-moderation-lua.js';
import { lateError, Scripts, type RedisTime } from './redis-scripts.js';

/** What the Redis store is given beyond every store's options. */
export interface RedisModerationOptions extends ModerationOptions {
  /**
   * Redis's clock, for the deadlines of changes, as the bus's: a ban that reaches Redis after
   * its node gave up on it is not made. Without it, changes carry no deadline.
   */
  readonly time?: RedisTime;
}

type What = 'ban' | 'mute';

/** An entry as Redis keeps it: the public fields and the index keys it holds. */
type BanRecord = Ban & { readonly keys?: string[] };
type MuteRecord = Mute & { readonly keys?: string[] };

/**
 * The cluster's {@link ModerationStore}: bans, mutes and the audit log in the cluster's Redis,
 * shared by every node (the keys and scripts are in redis-moderation-lua.ts). Every change is
 * one script, which also publishes it, so every node's store tells its listeners; finds and
 * lists ask Redis each time, so they are right on every node as soon as a change returned.
 */
export class RedisModerationStore implements ModerationStore {
  private readonly scripts: Scripts<keyof typeof MODERATION_SCRIPTS>;
  private readonly channel: string;
  private readonly now: () => number;
  private readonly onError: (error: unknown) => void;
  private readonly listeners: ChangeListeners;
  /** The subscription connection was lost since the listeners were last told to resync. */
  private interrupted = false;
  private closed = false;
  private readonly onMessage = (channel: string, message: string) =>
    this.received(channel, message);
  private readonly onClose = () => (this.interrupted = true);
  private readonly onReady = () => {
    if (!this.interrupted) return;
    this.interrupted = false;
    this.listeners.emit({ type: 'resync' });
  };

  /**
   * @param redis a command connection (the node's), not closed here
   * @param subscriber a subscription connection, not closed here: changes arrive on it
   * @param prefix keys start with `{prefix}:mod:`, the channel is `{prefix}:mod:changes`
   */
  constructor(
    redis: Redis,
    private readonly subscriber: Redis,
    prefix: string,
    private readonly options: RedisModerationOptions = {},
  ) {
    this.scripts = new Scripts(redis, prefix, MODERATION_SCRIPTS);
    this.channel = `{${prefix}}:mod:changes`;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? warn;
    this.listeners = new ChangeListeners(this.onError);
  }

  /** Subscribes to the changes of every node; call once before relying on {@link onChange}. */
  async start(): Promise<void> {
    this.subscriber.on('message', this.onMessage);
    this.subscriber.on('close', this.onClose);
    this.subscriber.on('ready', this.onReady);
    await this.subscriber.subscribe(this.channel);
  }

  async addBan(input: NewBan): Promise<Ban> {
    this.checkOpen();
    return banOf(await this.add('ban', prepareBan(input, this.now())));
  }

  async removeBan(target: BanTarget): Promise<Ban[]> {
    this.checkOpen();
    return (await this.remove('ban', heldBy(target))).map(banOf).sort(oldestFirst);
  }

  async listBans(): Promise<Ban[]> {
    this.checkOpen();
    return (await this.list('ban')).map(banOf);
  }

  async findBan(client: { nickname: string; address: string }): Promise<Ban | undefined> {
    this.checkOpen();
    const keys = client.nickname === '' ? [] : nicknameKeys(client.nickname).map((k) => `bn:${k}`);
    try {
      keys.push(...enclosingBlocks(parseAddress(client.address)).map((b) => `ba:${b}`));
    } catch (err) {
      // Not an IP address (a pipe, a test's link): no address ban can hold it.
      if (!(err instanceof AddressError)) throw err;
    }
    if (keys.length === 0) return undefined;
    return this.find('ban', keys).then((found) => found.map(banOf)[0]);
  }

  async addMute(input: NewMute): Promise<Mute> {
    this.checkOpen();
    return muteOf(await this.add('mute', prepareMute(input, this.now())));
  }

  async removeMute(nickname: string): Promise<Mute[]> {
    this.checkOpen();
    return (await this.remove('mute', heldNickname(nickname))).map(muteOf).sort(oldestFirst);
  }

  async listMutes(): Promise<Mute[]> {
    this.checkOpen();
    return (await this.list('mute')).map(muteOf);
  }

  async findMute(nickname: string): Promise<Mute | undefined> {
    this.checkOpen();
    if (nickname === '') return undefined;
    const keys = nicknameKeys(nickname).map((k) => `mn:${k}`);
    return this.find('mute', keys).then((found) => found.map(muteOf)[0]);
  }

  async appendAudit(input: NewAuditEntry): Promise<AuditEntry> {
    this.checkOpen();
    const entry = prepareAudit(input, this.now());
    const record = await this.scripts.call('appendAudit', JSON.stringify(entry));
    return JSON.parse(record as string) as AuditEntry;
  }

  async readAudit(query: AuditQuery): Promise<AuditPage> {
    this.checkOpen();
    checkAuditQuery(query);
    const { limit, before } = query;
    const records = await this.scripts.read(
      'auditPage',
      before === undefined ? '' : String(before),
      String(limit + 1),
    );
    const more = records.length > limit;
    if (more) records.pop();
    return { entries: records.map((r) => JSON.parse(r as string) as AuditEntry), more };
  }

  onChange(listener: (change: ModerationChange) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Stops listening; the connections are the caller's, and stay open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.subscriber.off('message', this.onMessage);
    this.subscriber.off('close', this.onClose);
    this.subscriber.off('ready', this.onReady);
    await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }

  private async add(what: What, entry: Prepared): Promise<BanRecord & MuteRecord> {
    const keys = indexKeys(what, entry);
    const { kind, target, reason, by, createdAt, expiresAt } = entry;
    const fields = what === 'ban' ? { kind, target } : { nickname: target };
    const body = JSON.stringify({ ...fields, reason, by, createdAt, expiresAt, keys });
    const reply = await this.scripts.call(
      'addEntry',
      this.deadline(),
      what,
      body,
      expiresAt === null ? '' : String(expiresAt),
      String(createdAt),
      ...keys,
    );
    if (reply === 0) throw lateError();
    return JSON.parse(reply as string) as BanRecord & MuteRecord;
  }

  private async remove(what: What, held: Held): Promise<(BanRecord & MuteRecord)[]> {
    const now = String(this.now());
    const reply = await this.scripts.call(
      'removeEntries',
      this.deadline(),
      what,
      now,
      ...indexKeys(what, held),
    );
    if (reply === 0) throw lateError();
    return (reply as string[]).map((r) => JSON.parse(r) as BanRecord & MuteRecord);
  }

  private async list(what: What): Promise<(BanRecord & MuteRecord)[]> {
    const now = this.now();
    const records = await this.scripts.read('listEntries', what, String(now));
    return records
      .map((r) => JSON.parse(r as string) as BanRecord & MuteRecord)
      .filter((e) => active(e, now))
      .sort(oldestFirst);
  }

  /** The active entries holding any of the index keys, the one that ends last first. */
  private async find(what: What, keys: string[]): Promise<(BanRecord & MuteRecord)[]> {
    const records = await this.scripts.read('findEntries', what, ...keys);
    const now = this.now();
    return records
      .map((r) => JSON.parse(r as string) as BanRecord & MuteRecord)
      .filter((e) => active(e, now))
      .sort(lastingFirst);
  }

  private received(channel: string, message: string): void {
    if (channel !== this.channel || this.closed) return;
    try {
      const space = message.indexOf(' ');
      const sign = message[0];
      const what = message.slice(1, space);
      const record = JSON.parse(message.slice(space + 1)) as BanRecord & MuteRecord;
      if (what === 'ban') {
        this.listeners.emit({ type: sign === '+' ? 'ban' : 'unban', ban: banOf(record) });
      } else if (what === 'mute') {
        this.listeners.emit({ type: sign === '+' ? 'mute' : 'unmute', mute: muteOf(record) });
      } else {
        throw new Error(`moderation: an unknown change on ${channel}: ${message.slice(0, 80)}`);
      }
    } catch (error) {
      this.onError(error);
    }
  }

  private deadline(): string {
    return this.options.time?.deadline() ?? '';
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('moderation: the store is closed');
  }
}

/** The index keys (below `{p}:mod:`) an entry holds. */
function indexKeys(what: What, held: Held): string[] {
  const kind = what === 'mute' ? 'mn' : held.kind === 'nickname' ? 'bn' : 'ba';
  return held.keys.map((key) => `${kind}:${key}`);
}

function banOf(record: BanRecord): Ban {
  const { id, kind, target, reason, by, createdAt, expiresAt } = record;
  return { id, kind, target, reason, by, createdAt, expiresAt };
}

function muteOf(record: MuteRecord): Mute {
  const { id, nickname, reason, by, createdAt, expiresAt } = record;
  return { id, nickname, reason, by, createdAt, expiresAt };
}
