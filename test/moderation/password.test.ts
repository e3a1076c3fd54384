import assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  hashPassword,
  parsePasswordHash,
  PasswordHashError,
  SCRYPT_PARAMETERS,
  verifyPassword,
} from '../../src/moderation/password.js';

/** A hash made here with cheap parameters, as another version of Natter might have. */
function cheapHash(password: string, N = 1024, r = 4, p = 1, keyBytes = 24): string {
  const salt = Buffer.from('0123456789abcdef');
  const key = scryptSync(password, salt, keyBytes, { N, r, p });
  return `scrypt$N=${N},r=${r},p=${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

describe('password hashes', () => {
  it('hashes in the documented format and verifies the password, only that one', async () => {
    const hash = await hashPassword('correct horse');
    const { N, r, p } = SCRYPT_PARAMETERS;
    assert.match(
      hash,
      new RegExp(`^scrypt\\$N=${N},r=${r},p=${p}\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}$`),
    );
    assert.equal(await verifyPassword('correct horse', hash), true);
    assert.equal(await verifyPassword('correct horsE', hash), false);
    assert.equal(await verifyPassword('', hash), false);
    const parsed = parsePasswordHash(hash);
    assert.deepEqual([parsed.salt.length, parsed.key.length], [16, 32]);
  });

  it('salts every hash afresh', async () => {
    const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')]);
    assert.notEqual(a, b);
    assert.equal(await verifyPassword('same', b), true);
  });

  it('verifies hashes made with other parameters, key lengths and padding', async () => {
    assert.equal(await verifyPassword('pw', cheapHash('pw')), true);
    assert.equal(await verifyPassword('pw!', cheapHash('pw')), false);
    assert.equal(await verifyPassword('pw', cheapHash('pw', 2048, 8, 2, 32)), true);
    const unpadded = cheapHash('pw').replace(/=+(\$|$)/g, '$1');
    assert.equal(await verifyPassword('pw', unpadded), true);
  });

  it('takes the password in NFC: composed and decomposed accents are one password', async () => {
    const hash = await hashPassword('caf\u00e9');
    assert.equal(await verifyPassword('cafe\u0301', hash), true);
    assert.equal(await verifyPassword('비밀번호', await hashPassword('비밀번호')), true);
  });

  it('refuses an empty password', async () => {
    await assert.rejects(hashPassword(''), { name: 'RangeError', message: /must not be empty/ });
  });

  it('rejects malformed hashes with a message saying what is wrong', async () => {
    const good = cheapHash('pw');
    const salt = 'MDEyMzQ1Njc4OWFiY2RlZg';
    const cases: [string, RegExp][] = [
      ['', /not a password hash of the form scrypt\$N=/],
      ['plain text password', /not a password hash/],
      ['bcrypt$2b$10$abc', /not a password hash/],
      [good.replace('scrypt', 'SCRYPT'), /not a password hash/],
      [good.replace('N=1024', 'N=1000'), /N must be a power of two/],
      [good.replace('N=1024', 'N=1'), /N must be a power of two/],
      [good.replace('r=4', 'r=0'), /r must be at least 1/],
      [good.replace('p=1', 'p=65'), /p from 1 to 64/],
      [good.replace('N=1024', 'N=2097152').replace('r=4', 'r=8'), /more than 1 GiB/],
      [`scrypt$N=1024,r=4,p=1$${salt}$not*base64`, /the key is not base64/],
      [`scrypt$N=1024,r=4,p=1$$AAAA`, /the salt is not base64/],
      [`scrypt$N=1024,r=4,p=1$AAAA$${'A'.repeat(43)}`, /salt must be at least 8 bytes/],
      [`scrypt$N=1024,r=4,p=1$${salt}$AAAA`, /key must be 16 to 64 bytes/],
      [`${good}$extra`, /not a password hash/],
    ];
    for (const [hash, message] of cases) {
      await assert.rejects(verifyPassword('pw', hash), (err: Error) => {
        assert.ok(err instanceof PasswordHashError, `${hash}: ${err}`);
        assert.match(err.message, message, hash);
        return true;
      });
      assert.throws(() => parsePasswordHash(hash), PasswordHashError);
    }
    await assert.rejects(verifyPassword('pw', undefined as unknown as string), /must be a string/);
  });
});
