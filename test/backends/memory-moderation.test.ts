import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryModerationStore } from '../../src/backends/memory-moderation.js';
import { moderationContract } from './moderation-contract.js';

moderationContract(
  'MemoryModerationStore',
  async (_t, options) => new MemoryModerationStore(options),
);

describe('MemoryModerationStore', () => {
  it('keeps at least the newest maxAuditEntries entries, and not many more', async () => {
    const store = new MemoryModerationStore({ maxAuditEntries: 10 });
    for (let i = 1; i <= 25; i++) await store.appendAudit({ by: 'x', action: `a${i}` });
    const { entries, more } = await store.readAudit({ limit: 100 });
    assert.ok(entries.length >= 10 && entries.length <= 11, String(entries.length));
    assert.equal(entries[0]!.action, 'a25');
    assert.equal(more, false);
    assert.throws(() => new MemoryModerationStore({ maxAuditEntries: 0 }), RangeError);
    await store.close();
  });
});
