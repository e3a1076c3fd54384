/**
 * The bus carries deliveries to the nodes that hold the recipients. Each node subscribes one
 * receiver that hands deliveries to its local connections. The in-memory bus is the default
 * (one node); a cluster bus keeps the same contract across nodes (test/backends/bus-contract.ts).
 *
 * Contract: deliveries published to one room reach every node that watches it, each publisher's
 * in the order it published them, and every node sees the same order for a room. The directory
 * announces its membership changes on the same bus (membership-events.ts), in its own order.
 */

/** A member whose membership of a room begins at a delivery (its own `8`), and on what terms. */
export interface JoinMark {
  readonly id: string;
  /** The room's display name, as the directory keeps it. */
  readonly room: string;
  /** The room's member count with the joiner, as the directory counted it. */
  readonly userCount: number;
}

/** A frame for every member of a room, except one. The frame is encoded once, by the sender. */
export interface RoomDelivery {
  readonly kind: 'room';
  /** The room's key (`nameKey` of its name). */
  readonly room: string;
  /** One encoded frame, `\n` included. */
  readonly frame: Uint8Array;
  /** A member id that must not receive it (the sender), if any. */
  readonly except?: string;
  /** A member whose membership of the room begins just after this frame (its own `8`). */
  readonly joins?: JoinMark;
  /** A member whose membership of the room ends just before this frame (its own `30`). */
  readonly leaves?: string;
  /**
   * The same announcement with Natter's extra fields, for the members that sent `caps`
   * (docs/protocol.md, rule 4.4): a move's `30` names the room moved to.
   */
  readonly extendedFrame?: Uint8Array;
  /**
   * A chat's number and time in its room's history (docs/protocol.md, rule 12.2): members with
   * the `history` capability get `frame` with both added (`withSeq`), made only on a node that
   * has such members in the room; the others get `frame`.
   */
  readonly numbered?: { readonly seq: number; readonly ts: number };
}

/** A whisper for one member; the receiving node encodes it for that member's capabilities. */
export interface WhisperDelivery {
  readonly kind: 'whisper';
  /** The node the recipient is connected to. */
  readonly node: string;
  /** The recipient's member id. */
  readonly to: string;
  readonly from: string;
  readonly msg: string;
  /**
   * The sender's member id: a cluster passes a whisper on only while the directory still lists
   * its sender (docs/protocol.md, rule 9.14).
   */
  readonly sender?: string;
}

/**
 * An operator's KICK of a member on another node (docs/protocol.md, rule 13.4): the node that
 * holds the member closes it with KICKED `929`.
 */
export interface KickDelivery {
  readonly kind: 'kick';
  /** The node the member is connected to. */
  readonly node: string;
  /** The member's id. */
  readonly to: string;
  /** The operator's name. */
  readonly by: string;
  /** Why, as the operator said it ('' when they did not). */
  readonly reason: string;
}

/** What a node sends to one node: a whisper or a kick. */
export type NodeDelivery = WhisperDelivery | KickDelivery;

/**
 * Messages of a room that this node missed: numbers `from` to `to` of the room's sequence (a
 * cluster bus numbers every message of a room; a subscription that dropped, or a Redis that cut
 * a slow subscriber, loses some), or an unknown number of them when the room's numbering started
 * over (Redis lost its data). The members are told (docs/protocol.md, rule 9.13).
 */
export interface GapDelivery {
  readonly kind: 'gap';
  readonly room: string;
  /** Absent when how many were missed is unknown; then `to` is absent too. */
  readonly from?: number;
  readonly to?: number;
}

export type Delivery = RoomDelivery | NodeDelivery | GapDelivery;

export type DeliveryReceiver = (delivery: Delivery) => void;

export interface Bus {
  /**
   * Sends a delivery to the nodes that watch its room (a room delivery) or to its node (a
   * whisper or a kick), this node included. A bus that sends over a network returns a promise, resolved
   * once the delivery has been sent; it rejects with BackendUnavailableError (or throws it at
   * once) when it could not be, and then it never will be.
   */
  publish(delivery: RoomDelivery | NodeDelivery): void | Promise<void>;
  /** Sets this node's receiver. */
  subscribe(receiver: DeliveryReceiver): void;
  /**
   * Starts receiving a room's deliveries on this node; resolves once they are flowing, so a
   * member may join the room after it. Counted: each watch needs one unwatch.
   */
  watch(roomKey: string): Promise<void>;
  /** Undoes one watch. */
  unwatch(roomKey: string): void;
  /**
   * Resolves once everything this node has published so far has been delivered back to it
   * (before a shutdown detaches the members).
   */
  flush(): Promise<void>;
  /** Stops delivering; the bus is not used afterwards. */
  close(): Promise<void>;
}
