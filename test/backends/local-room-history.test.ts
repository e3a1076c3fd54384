import type { Delivery } from '../../src/backends/bus.js';
import { LocalRoomHistory } from '../../src/backends/local-room-history.js';
import { MemoryBus } from '../../src/backends/memory-bus.js';
import { MemoryHistory } from '../../src/backends/memory-history.js';
import { roomHistoryContract } from './room-history-contract.js';

roomHistoryContract('LocalRoomHistory on MemoryHistory and MemoryBus', async (_t, limits) => {
  const bus = new MemoryBus();
  const deliveries: Delivery[] = [];
  bus.subscribe((d) => deliveries.push(d));
  // A quick sweep: retention by count is the sweep's work on a single node.
  const history = new LocalRoomHistory(new MemoryHistory({ ...limits, sweepIntervalMs: 10 }), bus);
  return {
    history,
    deliveries,
    watch: () => bus.watch(),
    // The store's numbers do not depend on who is in the room.
    empty: async () => bus.unwatch(),
  };
});
