/**
 * Operators' passwords: kept in the configuration only as scrypt hashes (RFC 7914), made by
 * `natter hash-password` and checked by OPER.
 *
 * A hash is self-describing text: `scrypt$N=32768,r=8,p=3$<salt>$<key>`, the salt (16 random
 * bytes) and the derived key (32 bytes) in base64 without padding. The parameters travel with
 * the hash, so hashes made with other ones (older, or stronger) still verify, and new
 * parameters need no change to the configuration format.
 *
 * The parameters are one of the settings OWASP's password storage guidance lists as equivalent
 * to its minimum (N=2^17, r=8, p=1): N=2^15, r=8, p=3 costs the same CPU (about 0.3 s on one
 * core) with a quarter of the memory (32 MiB rather than 128 MiB), since Node runs the p lanes
 * one after the other. A check holds 32 MiB for a moment, so a few at once (libuv runs four)
 * stay affordable on a chat server; OPER's rate limit keeps them few.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** The parameters of new hashes: see the module comment for why these. */
export const SCRYPT_PARAMETERS = { N: 2 ** 15, r: 8, p: 3 } as const;

const SALT_BYTES = 16;
const KEY_BYTES = 32;

/**
 * Bounds on the parameters a hash may name: a hash from the configuration must not make a
 * check take minutes or gigabytes (N=2^20 with r=8 is already 1 GiB).
 */
const MAX_MEMORY_BYTES = 1024 ** 3;
const MAX_P = 64;

/** Unpadded (or padded) standard base64. */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const FORMAT = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([^$]*)\$([^$]*)$/;

/** A password hash that is not one this code can check; its message says what is wrong. */
export class PasswordHashError extends Error {
  override name = 'PasswordHashError';
}

/** A hash taken apart. */
export interface ParsedPasswordHash {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

/**
 * Hashes a password with fresh salt and {@link SCRYPT_PARAMETERS}. The password is taken in
 * Unicode NFC, as {@link verifyPassword} takes it, so that the same text typed on systems that
 * compose accents differently is the same password.
 * @param parameters other scrypt parameters (a decoy that must cost what a configured hash does)
 * @throws RangeError for an empty password
 */
export async function hashPassword(
  password: string,
  parameters: { readonly N: number; readonly r: number; readonly p: number } = SCRYPT_PARAMETERS,
): Promise<string> {
  if (typeof password !== 'string' || password.length === 0) {
    throw new RangeError('the password must not be empty');
  }
  const { N, r, p } = parameters;
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, { N, r, p });
  return `scrypt$N=${N},r=${r},p=${p}$${b64(salt)}$${b64(key)}`;
}

/**
 * Whether `password` is the one `hash` was made from. The comparison takes the same time
 * wherever the keys differ.
 * @throws PasswordHashError when `hash` is malformed (see {@link parsePasswordHash})
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const parsed = parsePasswordHash(hash);
  if (typeof password !== 'string') return false;
  const { N, r, p, salt, key } = parsed;
  const derived = await derive(password, salt, key.length, { N, r, p });
  return timingSafeEqual(derived, key);
}

/**
 * Takes a hash apart, checking everything {@link verifyPassword} relies on, so that a
 * configuration can be refused when it is read rather than at the first OPER.
 * @throws PasswordHashError naming what is wrong
 */
export function parsePasswordHash(hash: string): ParsedPasswordHash {
  if (typeof hash !== 'string') throw new PasswordHashError('a password hash must be a string');
  const match = FORMAT.exec(hash);
  if (!match) {
    throw new PasswordHashError(
      'not a password hash of the form scrypt$N=...,r=...,p=...$SALT$KEY ' +
        '(natter hash-password makes one)',
    );
  }
  const [N, r, p] = [match[1]!, match[2]!, match[3]!].map(Number) as [number, number, number];
  if (!Number.isSafeInteger(N) || N < 2 || (N & (N - 1)) !== 0) {
    throw new PasswordHashError(`scrypt N must be a power of two above 1, not ${match[1]}`);
  }
  if (!Number.isSafeInteger(r) || r < 1 || !Number.isSafeInteger(p) || p < 1 || p > MAX_P) {
    throw new PasswordHashError(`scrypt r must be at least 1 and p from 1 to ${MAX_P}`);
  }
  if (128 * N * r > MAX_MEMORY_BYTES) {
    throw new PasswordHashError(`scrypt N=${N}, r=${r} would need more than 1 GiB to check`);
  }
  const salt = fromB64(match[4]!, 'salt');
  const key = fromB64(match[5]!, 'key');
  if (salt.length < 8) throw new PasswordHashError('the salt must be at least 8 bytes');
  if (key.length < 16 || key.length > 64) {
    throw new PasswordHashError('the key must be 16 to 64 bytes');
  }
  return { N, r, p, salt, key };
}

function derive(password: string, salt: Buffer, length: number, params: ScryptOptions) {
  const { N = 0, r = 0 } = params;
  // Node refuses more than 32 MiB by default: allow what these parameters need, and a little.
  const options = { ...params, maxmem: 128 * N * r + 1024 * 1024 };
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, length, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

function fromB64(text: string, what: string): Buffer {
  // Buffer.from skips characters it does not know: check first, so a typo is not a new salt.
  if (!BASE64.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    throw new PasswordHashError(`the ${what} is not base64`);
  }
  return Buffer.from(text, 'base64');
}
