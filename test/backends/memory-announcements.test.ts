import { MemoryBus } from '../../src/backends/memory-bus.js';
import { MemoryDirectory } from '../../src/backends/memory-directory.js';
import { announcementContract } from './announcement-contract.js';

announcementContract('MemoryDirectory on a MemoryBus', async () => {
  const bus = new MemoryBus();
  return { directory: new MemoryDirectory(bus), bus };
});
