/**
 * The directory: who is online, under which nickname, in which room. It is the one owner of
 * nickname claims and room capacity, and every change it makes is atomic (docs/DEVELOPING.md,
 * "Backends"). The in-memory implementation is the default; a cluster implementation keeps the
 * same contract (test/backends/directory-contract.ts) over shared storage. Which nodes are alive
 * is not its business but the node registry's (node-registry.ts).
 */

/** One online member, as every node sees it. */
export interface MemberRecord {
  /** Unique per connection, across all nodes. */
  readonly id: string;
  readonly nickname: string;
  /** Display name of the member's room. */
  readonly room: string;
  /** The client's address as its node saw it (IPv4 without the `::ffff:` prefix). */
  readonly ip: string;
  readonly port: number;
  /** The node the member is connected to. */
  readonly node: string;
}

/** A new member: its room is where it asks to go. */
export type NewMember = MemberRecord;

export type ClaimResult =
  | { readonly ok: true; readonly room: string; readonly userCount: number }
  | { readonly ok: false; readonly reason: 'nickname-taken' | 'room-full' };

export type RenameResult =
  | { readonly ok: true; readonly oldNickname: string; readonly room: string }
  | { readonly ok: false; readonly reason: 'nickname-taken' | 'not-found' };

/** A room and its member count after a change. */
export interface RoomCount {
  readonly room: string;
  readonly userCount: number;
}

export type MoveResult =
  | { readonly ok: true; readonly from: RoomCount; readonly to: RoomCount }
  | { readonly ok: false; readonly reason: 'room-full' | 'same-room' | 'not-found' };

/** A member the directory may have lost: its nickname and the room it was in. */
export interface LostMember {
  readonly nickname: string;
  readonly room: string;
}

/** What a release removed. */
export interface Released {
  /** The member's id. */
  readonly id: string;
  readonly nickname: string;
  /** The room it left, with the count of the members that remain. */
  readonly room: string;
  readonly userCount: number;
}

/**
 * The directory contract. Every method is atomic with respect to every other call, on any node.
 * Room names are compared by `nameKey`, and nicknames by `nicknameKeys`: two nicknames are the
 * same when they share a key (protocol/names.ts). A method that cannot
 * reach shared storage rejects with `BackendUnavailableError` (errors.ts).
 *
 * Every change that the members of a room see (a join, a leave, a rename, a move) is announced
 * on the bus in the same atomic step as the change (a `MembershipEvent`, membership-events.ts),
 * so each room's announcements follow the directory's order on every node (rule 9.4).
 */
export interface Directory {
  /**
   * Registers a member: fails with `nickname-taken` if the nickname is held (checked first, as
   * the seed does), then with `room-full` if the room already holds `capacity` members.
   * The room is created if needed. `userCount` includes the new member.
   * @param announce announce the join (a `join` event): false to put back a member nobody was
   *   told had left
   */
  claim(member: NewMember, capacity: number, announce: boolean): Promise<ClaimResult>;
  /**
   * Changes a member's nickname; the member moves to the end of its room's order (as in the
   * seed). Announced (a `rename` event).
   */
  rename(id: string, newNickname: string): Promise<RenameResult>;
  /**
   * Moves a member to another room (created if needed) if it has fewer than `capacity` members.
   * Announced: a `leave` event in the old room, then a `join` event in the new one.
   */
  move(id: string, room: string, capacity: number): Promise<MoveResult>;
  /**
   * Removes a member; undefined if it was not registered. Empty rooms are forgotten.
   * @param announce announce the departure (a `leave` event): false for a member never
   *   announced
   * @param lost who the member was, when the directory may have lost it (a cluster's Redis that
   *   lost its data while the member left): if it is not registered, its departure is announced
   *   all the same, to the room as it is now, in the same step (nothing if the room is empty)
   */
  release(id: string, announce: boolean, lost?: LostMember): Promise<Released | undefined>;
  /** The members of a room, in join order. */
  members(room: string): Promise<MemberRecord[]>;
  /** The member holding a nickname. */
  find(nickname: string): Promise<MemberRecord | undefined>;
  /** Every room that has members, with its member count, ordered by name. */
  rooms(): Promise<RoomCount[]>;
  /** Releases resources; the directory is not used afterwards. */
  close(): Promise<void>;
}
