import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { describe, it } from 'node:test';
import { join } from '../helpers.js';
import { ROOT } from '../operators.js';
import { natterServe, tempDataDir } from './process.js';

describe('natter serve on SIGHUP', () => {
  it('reloads the operators and banned phrases of its config file, without a restart', async (t) => {
    const file = joinPath(tempDataDir(t), 'natter.json');
    writeFileSync(file, JSON.stringify({ operators: [ROOT], bannedPhrases: ['tomato'] }));
    const { server, port } = await natterServe(t, ['--config', file]);
    const alice = await join(t, port, 'alice');
    const bob = await join(t, port, 'bob');
    await alice.expect('8');
    alice.send({ cmd: '15', name: 'root', password: 'secret' });
    assert.equal((await alice.next()).cmd, '150');
    bob.send({ cmd: '7', msg: 'potato' });
    assert.equal((await alice.next()).msg, 'potato');

    writeFileSync(file, JSON.stringify({ operators: [], bannedPhrases: ['potato'] }));
    server.proc.kill('SIGHUP');
    await server.waitFor(/SIGHUP received: reloaded operators, banned phrases/);
    alice.send({ cmd: '23' });
    assert.equal((await alice.next()).cmd, '928', 'root is no longer an operator');
    bob.send({ cmd: '7', msg: 'tomato' });
    assert.equal((await alice.next()).msg, 'tomato');
    bob.send({ cmd: '7', msg: 'potato' });
    assert.equal((await bob.next()).cmd, '911');
    assert.equal((await alice.next()).cmd, '30');

    // A file that no longer reads keeps the running configuration.
    writeFileSync(file, '{ not json');
    server.proc.kill('SIGHUP');
    await server.waitFor(/the configuration cannot be read, keeping the running one/, 'stderr');
    const carol = await join(t, port, 'carol');
    carol.send({ cmd: '7', msg: 'tomato' });
    assert.equal((await alice.next()).cmd, '8');
    assert.equal((await alice.next()).msg, 'tomato');
  });

  it('reads --banned-words-file again', async (t) => {
    const file = joinPath(tempDataDir(t), 'banned.txt');
    writeFileSync(file, 'tomato\n');
    const { server, port } = await natterServe(t, ['--banned-words-file', file]);
    const alice = await join(t, port, 'alice');
    const bob = await join(t, port, 'bob');
    await alice.expect('8');
    bob.send({ cmd: '7', msg: 'potato' });
    assert.equal((await alice.next()).msg, 'potato');
    writeFileSync(file, '# now refused, not the tomato\nrefuse: potato\n');
    server.proc.kill('SIGHUP');
    await server.waitFor(/SIGHUP received: reloaded/);
    bob.send({ cmd: '7', msg: 'POTATO!' });
    assert.equal((await bob.next()).cmd, '933');
    bob.send({ cmd: '7', msg: 'tomato' });
    assert.equal((await alice.next()).msg, 'tomato');
  });
});
