import type { Bus, DeliveryReceiver, NodeDelivery, RoomDelivery } from './bus.js';

/**
 * The single-node bus: publish calls the receivers synchronously, so a delivery reaches every
 * local recipient's queue before publish returns, in publish order.
 */
export class MemoryBus implements Bus {
  private receivers: DeliveryReceiver[] = [];

  publish(delivery: RoomDelivery | NodeDelivery): void {
    for (const receiver of this.receivers) receiver(delivery);
  }

  subscribe(receiver: DeliveryReceiver): void {
    this.receivers.push(receiver);
  }

  /** Every delivery reaches every receiver: nothing to watch. */
  async watch(): Promise<void> {}

  unwatch(): void {}

  /** Publishing delivers at once: nothing is ever on its way. */
  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.receivers = [];
  }
}
