import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join, startServer } from '../helpers.js';
import { NATTER_VERSION } from '../../src/version.js';
import { readFileSync } from 'node:fs';

describe('VERSION 4', () => {
  it('answers 40 with the seed\'s serverVersion "1"', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice');
    alice.send({ cmd: '4' });
    assert.deepEqual(await alice.next(), { cmd: '40', serverVersion: '1' });
  });

  it('adds the software version for clients that sent caps, and echoes ids', async (t) => {
    const server = await startServer(t);
    const alice = await join(t, server, 'alice', { caps: [] });
    alice.send({ cmd: '4', id: 7 });
    assert.deepEqual(await alice.next(), {
      cmd: '40',
      serverVersion: '1',
      server: `natter/${NATTER_VERSION}`,
      id: 7,
    });
  });

  it('NATTER_VERSION matches package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    assert.equal(NATTER_VERSION, pkg.version);
  });
});
