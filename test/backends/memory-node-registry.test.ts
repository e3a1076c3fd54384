import { MemoryDirectory } from '../../src/backends/memory-directory.js';
import { MemoryNodeRegistry } from '../../src/backends/memory-node-registry.js';
import { nodeRegistryContract } from './node-registry-contract.js';

nodeRegistryContract('MemoryNodeRegistry', async () => {
  let now = 0;
  const directory = new MemoryDirectory();
  const registry = new MemoryNodeRegistry(directory, () => now);
  return {
    directory,
    registry,
    elapse: async (ms) => {
      now += ms;
    },
  };
});
