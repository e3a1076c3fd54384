import {
  AddressError,
  AddressMatcher,
  parseAddress,
  parseAddressBlock,
} from '../moderation/address-match.js';
import { nicknameKeys } from '../protocol/names.js';
import type { Ban, Mute } from './moderation.js';
import { active, lastingFirst, type Held } from './moderation-rules.js';

/** Entries found by keys, each key held by one entry at most. */
class KeyedEntries<T extends { readonly id: string }> {
  private readonly byId = new Map<
    string,
    { readonly entry: T; readonly keys: readonly string[] }
  >();
  private readonly byKey = new Map<string, string>();

  /** The entries holding any of these keys. */
  holders(keys: readonly string[]): T[] {
    const found = new Map<string, T>();
    for (const key of keys) {
      const id = this.byKey.get(key);
      if (id !== undefined && !found.has(id)) found.set(id, this.byId.get(id)!.entry);
    }
    return [...found.values()];
  }

  get(id: string): T | undefined {
    return this.byId.get(id)?.entry;
  }

  put(entry: T, keys: readonly string[]): void {
    this.byId.set(entry.id, { entry, keys });
    for (const key of keys) this.byKey.set(key, entry.id);
  }

  delete(id: string): T | undefined {
    const held = this.byId.get(id);
    if (!held) return undefined;
    this.byId.delete(id);
    for (const key of held.keys) {
      if (this.byKey.get(key) === id) this.byKey.delete(key);
    }
    return held.entry;
  }

  values(): T[] {
    return [...this.byId.values()].map((held) => held.entry);
  }
}

/**
 * The bans and mutes of a store that holds them all in its own memory (the memory store, and
 * the SQLite one, which writes through to its file): found by nickname key, by address block,
 * by id. Expired entries stay until the store removes them; every answer leaves them out.
 */
export class ModerationIndex {
  private readonly nicknameBans = new KeyedEntries<Ban>();
  private readonly addressBans = new KeyedEntries<Ban>();
  /** Address block -> the id of its ban. */
  private readonly blocks = new AddressMatcher<string>();
  private readonly mutes = new KeyedEntries<Mute>();

  /** The bans (expired ones too) that a new ban of `held` replaces. */
  banConflicts(held: Held): Ban[] {
    return (held.kind === 'nickname' ? this.nicknameBans : this.addressBans).holders(held.keys);
  }

  /** The mutes (expired ones too) that a new mute of `held` replaces. */
  muteConflicts(held: Held): Mute[] {
    return this.mutes.holders(held.keys);
  }

  putBan(ban: Ban): void {
    if (ban.kind === 'nickname') {
      this.nicknameBans.put(ban, nicknameKeys(ban.target));
    } else {
      this.addressBans.put(ban, [ban.target]);
      this.blocks.set(parseAddressBlock(ban.target), ban.id);
    }
  }

  putMute(mute: Mute): void {
    this.mutes.put(mute, nicknameKeys(mute.nickname));
  }

  deleteBan(id: string): Ban | undefined {
    const nickname = this.nicknameBans.delete(id);
    if (nickname) return nickname;
    const address = this.addressBans.delete(id);
    if (address) {
      // The block may stand for a newer ban of it by now: only this ban's entry goes.
      const block = parseAddressBlock(address.target);
      if (this.blocks.get(block) === id) this.blocks.delete(block);
    }
    return address;
  }

  deleteMute(id: string): Mute | undefined {
    return this.mutes.delete(id);
  }

  /** The active ban that holds the nickname or the address, the one that ends last. */
  findBan(nickname: string, address: string, now: number): Ban | undefined {
    const found = nickname === '' ? [] : this.nicknameBans.holders(nicknameKeys(nickname));
    let client;
    try {
      client = parseAddress(address);
    } catch (err) {
      // Not an IP address (a pipe, a test's link): no address ban can hold it.
      if (!(err instanceof AddressError)) throw err;
    }
    if (client) {
      for (const id of this.blocks.match(client)) found.push(this.addressBans.get(id)!);
    }
    return found.filter((ban) => active(ban, now)).sort(lastingFirst)[0];
  }

  /** The active mute of the nickname, the one that ends last. */
  findMute(nickname: string, now: number): Mute | undefined {
    return this.mutes
      .holders(nicknameKeys(nickname))
      .filter((mute) => active(mute, now))
      .sort(lastingFirst)[0];
  }

  /** Every ban held, expired or not. */
  bans(): Ban[] {
    return [...this.nicknameBans.values(), ...this.addressBans.values()];
  }

  /** Every mute held, expired or not. */
  allMutes(): Mute[] {
    return this.mutes.values();
  }
}
