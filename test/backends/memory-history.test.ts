import { MemoryHistory } from '../../src/backends/memory-history.js';
import { historyContract } from './history-contract.js';

historyContract('MemoryHistory', (_t, options) => new MemoryHistory(options));
