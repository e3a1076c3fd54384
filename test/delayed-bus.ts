/**
 * A bus whose deliveries wait until the test lets them through, in publish order: what a
 * cluster's round trip through Redis looks like to one node. It keeps the bus contract (one
 * order per room, publishers' order kept), only later.
 */
import type {
  Bus,
  Delivery,
  DeliveryReceiver,
  RoomDelivery,
  WhisperDelivery,
} from '../src/backends/bus.js';

export class DelayedBus implements Bus {
  private receiver: DeliveryReceiver | undefined;
  /** Published, not yet delivered. */
  readonly inFlight: Delivery[] = [];
  /** Room key -> watch count. */
  readonly watching = new Map<string, number>();

  publish(delivery: RoomDelivery | WhisperDelivery): void {
    this.inFlight.push(delivery);
  }

  /** Hands a delivery straight to the receiver, as the bus itself would (a gap it found). */
  receive(delivery: Delivery): void {
    this.receiver?.(delivery);
  }

  subscribe(receiver: DeliveryReceiver): void {
    this.receiver = receiver;
  }

  async watch(roomKey: string): Promise<void> {
    this.watching.set(roomKey, (this.watching.get(roomKey) ?? 0) + 1);
  }

  unwatch(roomKey: string): void {
    const count = this.watching.get(roomKey) ?? 0;
    if (count <= 1) this.watching.delete(roomKey);
    else this.watching.set(roomKey, count - 1);
  }

  /** Delivers the first `count` deliveries in flight (all by default). */
  deliver(count = this.inFlight.length): void {
    for (const delivery of this.inFlight.splice(0, count)) this.receiver?.(delivery);
  }

  /** Loses the first `count` deliveries in flight, as a dropped subscription would. */
  lose(count = this.inFlight.length): void {
    this.inFlight.splice(0, count);
  }

  async flush(): Promise<void> {
    this.deliver();
  }

  async close(): Promise<void> {
    this.receiver = undefined;
  }
}
