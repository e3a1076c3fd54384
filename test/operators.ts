import { randomBytes, scryptSync } from 'node:crypto';
import type { OperatorConfig } from '../src/config/operators.js';

/**
 * A password hash in the format `natter hash-password` writes, made with cheap parameters: a
 * test checks many, and the server takes the parameters from the hash.
 */
export function cheapHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize('NFC'), salt, 32, { N: 1024, r: 8, p: 1 });
  const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
  return `scrypt$N=1024,r=8,p=1$${b64(salt)}$${b64(key)}`;
}

/** The operator `root` with the password `secret`, for a server's `operators`. */
export const ROOT: OperatorConfig = { name: 'root', passwordHash: cheapHash('secret') };
