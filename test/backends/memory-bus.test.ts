import { MemoryBus } from '../../src/backends/memory-bus.js';
import { busContract } from './bus-contract.js';

busContract('MemoryBus', async () => {
  const bus = new MemoryBus();
  return [bus, bus, 'local'];
});
