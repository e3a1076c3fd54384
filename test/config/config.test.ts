import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_CONFIG, OPTIONS, envName, flagName } from '../../src/config/options.js';
import { ConfigError, resolveConfig } from '../../src/config/resolve.js';

/** The directories tempFile made, removed when the tests are done. */
const tempDirs: string[] = [];
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'natter-config-'));
  tempDirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('configuration', () => {
  it('defaults to the seed: localhost:20825, 10 users, "i hate professor"', () => {
    const config = resolveConfig({});
    assert.equal(config.host, 'localhost');
    assert.equal(config.port, 20825);
    assert.equal(config.maxUsers, 10);
    assert.deepEqual(config.bannedPhrases, ['i hate professor']);
    assert.equal(config.hideAddresses, false);
    assert.deepEqual(config, { ...DEFAULT_CONFIG });
  });

  it('merges file < environment < flags', () => {
    const file = tempFile('c.json', JSON.stringify({ port: 1, maxUsers: 5, defaultRoom: 'hall' }));
    const config = resolveConfig({
      file,
      env: { NATTER_PORT: '2', NATTER_MAX_USERS: '6' },
      flags: { port: '3' },
    });
    assert.equal(config.port, 3);
    assert.equal(config.maxUsers, 6);
    assert.equal(config.defaultRoom, 'hall');
  });

  it('reads booleans and phrase lists from the environment', () => {
    const config = resolveConfig({
      env: { NATTER_HIDE_ADDRESSES: 'true', NATTER_BANNED_PHRASES: 'One\nTwo' },
    });
    assert.equal(config.hideAddresses, true);
    assert.deepEqual(config.bannedPhrases, ['one', 'two']);
  });

  it('rejects bad values with a message naming the option as the user wrote it, and its range', () => {
    assert.throws(
      () => resolveConfig({ flags: { port: 'http' } }),
      /--port must be a whole number from 0 to 65535, got "http"/,
    );
    assert.throws(() => resolveConfig({ flags: { port: '70000' } }), ConfigError);
    assert.throws(
      () => resolveConfig({ flags: { maxUsers: '-1' } }),
      /--max-users must be a whole number from 1 to 1000000, got "-1"/,
    );
    assert.throws(
      () => resolveConfig({ env: { NATTER_MAX_USERS: '0' } }),
      /NATTER_MAX_USERS must be a whole number from 1/,
    );
    assert.throws(
      () => resolveConfig({ file: tempFile('z.json', '{"maxUsers": 0}') }),
      /"maxUsers" in .*z\.json must be/,
    );
    assert.throws(
      () => resolveConfig({ flags: { logLevel: 'loud' } }),
      /--log-level must be one of silent, error, warn, info, debug/,
    );
    assert.throws(() => resolveConfig({ flags: { defaultRoom: 'two words' } }), /defaultRoom/);
    assert.throws(
      () => resolveConfig({ file: tempFile('x.json', '{"prot": 1}') }),
      /unknown option "prot"/,
    );
    assert.throws(() => resolveConfig({ file: tempFile('y.json', 'nope') }), /not valid JSON/);
    assert.throws(
      () => resolveConfig({ file: '/nonexistent/natter.json' }),
      /cannot read config file/,
    );
  });

  it('the README documents every option with its flag, variable and default', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const spec of OPTIONS) {
      const row = readme
        .split('\n')
        .find((line) => new RegExp(`^\\| \`${spec.key}\` +\\|`).test(line));
      assert.ok(row, `README row for ${spec.key}`);
      assert.ok(row.includes(`\`--${flagName(spec)}\``), `${spec.key} flag`);
      assert.ok(row.includes(`\`${envName(spec.key)}\``), `${spec.key} variable`);
      assert.ok(
        row.includes(`\`${JSON.stringify(DEFAULT_CONFIG[spec.key])}\``) ||
          row.includes(`\`${String(DEFAULT_CONFIG[spec.key])}\``),
        `${spec.key} default`,
      );
    }
  });
});
