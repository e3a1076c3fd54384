import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/resolve.js';
import { joinAll, startServer } from '../helpers.js';

describe('banned phrase', () => {
  it('a CHAT with it: the sender gets 911 and is closed, the others get 30, nothing is delivered', async (t) => {
    const server = await startServer(t);
    const [alice, bob, carol] = await joinAll(t, server, ['alice', 'bob', 'carol']);
    bob!.send({ cmd: '7', msg: 'Well, I HATE Professor Kim' });
    const notice = await bob!.next();
    assert.equal(notice.cmd, '911');
    assert.equal(notice.error, 'BANNED_PHRASE');
    assert.equal(notice.fatal, true);
    await bob!.waitClosed();
    assert.deepEqual(await alice!.next(), { cmd: '30', nickname: 'bob', userCount: 2 });
    assert.deepEqual(await carol!.next(), { cmd: '30', nickname: 'bob', userCount: 2 });
  });

  it("matches case-insensitive substrings only (the seed's rule)", async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    for (const msg of ['i  hate professor', 'i hate professional', 'I hate profs']) {
      bob!.send({ cmd: '7', msg });
      assert.deepEqual(await alice!.next(), { cmd: '70', from: 'bob', msg });
    }
    bob!.send({ cmd: '7', msg: 'xi hate professorsx' });
    assert.equal((await bob!.next()).cmd, '911');
  });

  it('a WHISPER with it to a member disconnects the sender; the target gets nothing', async (t) => {
    const server = await startServer(t);
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    bob!.send({ cmd: '2', to: 'alice', msg: 'i hate professor' });
    assert.equal((await bob!.next()).cmd, '911');
    await bob!.waitClosed();
    assert.deepEqual(await alice!.next(), { cmd: '30', nickname: 'bob', userCount: 1 });
  });

  it("keeps the seed's whisper order: 20 and 21 are checked before the phrase", async (t) => {
    const server = await startServer(t);
    const [bob] = await joinAll(t, server, ['bob']);
    bob!.send({ cmd: '2', to: 'ghost', msg: 'i hate professor' });
    assert.deepEqual(await bob!.next(), { cmd: '20' });
    bob!.send({ cmd: '2', to: 'bob', msg: 'i hate professor' });
    assert.deepEqual(await bob!.next(), { cmd: '21' });
  });

  it('uses the configured phrases instead of the default', async (t) => {
    const server = await startServer(t, { bannedPhrases: ['Spoiler', 'ending is'] });
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    bob!.send({ cmd: '7', msg: 'i hate professor' });
    assert.equal((await alice!.next()).msg, 'i hate professor');
    bob!.send({ cmd: '7', msg: 'SPOILERS ahead' });
    assert.equal((await bob!.next()).cmd, '911');
  });

  it('can be switched off with an empty list', async (t) => {
    const server = await startServer(t, { bannedPhrases: [] });
    const [alice, bob] = await joinAll(t, server, ['alice', 'bob']);
    bob!.send({ cmd: '7', msg: 'i hate professor' });
    assert.equal((await alice!.next()).cmd, '70');
  });

  it('reads phrases from a banned words file', (t) => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'natter-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = joinPath(dir, 'banned.txt');
    writeFileSync(file, '# one phrase per line\nFirst Phrase\n\n  second one\n');
    const config = resolveConfig({ bannedWordsFile: file });
    assert.deepEqual(config.bannedPhrases, ['first phrase', '  second one']);
  });
});
