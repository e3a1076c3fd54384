import { MemoryDirectory } from '../../src/backends/memory-directory.js';
import { directoryContract } from './directory-contract.js';

directoryContract('MemoryDirectory', async () => new MemoryDirectory());
