import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_CONFIG, OPTIONS, envName, flagName } from '../../src/config/options.js';
import { ConfigError, besidePort, configWith, resolveConfig } from '../../src/config/resolve.js';

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
    assert.deepEqual(config.bannedPhrases, ['One', 'Two']);
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

  it('TLS takes a certificate and its key together; each mistake names the option as written', () => {
    const config = resolveConfig({ flags: { tlsCert: 'c.pem', tlsKey: 'k.pem', tlsPort: '443' } });
    assert.deepEqual([config.tlsCert, config.tlsKey, config.tlsPort], ['c.pem', 'k.pem', 443]);
    assert.equal(resolveConfig({}).tlsPort, -1);
    assert.throws(
      () => resolveConfig({ flags: { tlsCert: 'c.pem' } }),
      /^ConfigError: --tls-cert is set without a private key: TLS needs both, so also give the key \(a PEM file\) with --tls-key \(or NATTER_TLS_KEY, or "tlsKey" in the config file\), or neither$/,
    );
    assert.throws(
      () => resolveConfig({ env: { NATTER_TLS_KEY: 'k.pem' } }),
      /^ConfigError: NATTER_TLS_KEY is set without a certificate: TLS needs both, so also give the certificate \(a PEM file\) with --tls-cert \(or NATTER_TLS_CERT, or "tlsCert" in the config file\), or neither$/,
    );
    assert.throws(
      () => resolveConfig({ file: tempFile('t.json', '{"tlsCert": "c.pem"}') }),
      /^ConfigError: "tlsCert" in .*t\.json is set without a private key/,
    );
    assert.throws(() => configWith({ tlsKey: 'k.pem' }), /^ConfigError: tlsKey is set without/);
    assert.throws(
      () => resolveConfig({ flags: { tlsPort: '-2' } }),
      /--tls-port must be a whole number from -1 to 65535, got "-2"/,
    );
  });

  it('the plain chat port may be off only with TLS or the HTTP listener on', () => {
    assert.equal(resolveConfig({ flags: { tcp: false } }).tcp, false);
    assert.equal(
      resolveConfig({ flags: { tcp: false, tlsCert: 'c', tlsKey: 'k', http: false } }).http,
      false,
    );
    assert.throws(
      () => resolveConfig({ flags: { tcp: false, http: false } }),
      /^ConfigError: --no-tcp turns the plain chat port off, which leaves nothing to connect to: serve TLS \(--tls-cert and --tls-key\) or keep the HTTP listener on \(--http\)$/,
    );
    assert.throws(
      () => resolveConfig({ env: { NATTER_TCP: '0', NATTER_HTTP: 'false' } }),
      /^ConfigError: NATTER_TCP turns the plain chat port off/,
    );
    assert.throws(() => configWith({ tcp: false, http: false }), /^ConfigError: tcp: false turns/);
  });

  it('listeners beside the chat port: port + 1 (HTTP) and + 2 (TLS) unless given, free on port 0', () => {
    assert.equal(besidePort(-1, 20825, 2), 20827);
    assert.equal(besidePort(-1, 20825, 1), 20826);
    assert.equal(besidePort(443, 20825, 2), 443);
    assert.equal(besidePort(0, 20825, 2), 0);
    assert.equal(besidePort(-1, 0, 2), 0);
    assert.equal(besidePort(-1, 65534, 2), 0);
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
