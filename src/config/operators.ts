import { parsePasswordHash, PasswordHashError } from '../moderation/password.js';

/** An operator, as the configuration file names one (docs/protocol.md, rule 13.1). */
export interface OperatorConfig {
  /** What OPER gives as `name`; compared exactly. */
  readonly name: string;
  /** Made by `natter hash-password` (src/moderation/password.ts). */
  readonly passwordHash: string;
}

/**
 * The `operators` of a configuration file, checked: a list of `{name, passwordHash}` with
 * distinct names and hashes this server can verify. Throws an Error saying what is wrong, for
 * the caller to report with where it was read.
 */
export function parseOperators(value: unknown): OperatorConfig[] {
  if (!Array.isArray(value)) {
    throw new Error('"operators" must be a list of {"name", "passwordHash"} objects');
  }
  const seen = new Set<string>();
  return value.map((entry: unknown, i) => {
    const where = `"operators"[${i}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new Error(`${where} must be an object with "name" and "passwordHash"`);
    }
    const { name, passwordHash, ...rest } = entry as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw new Error(`${where} has an unknown key "${unknown}"`);
    if (typeof name !== 'string' || name.trim() === '' || name.length > 64) {
      throw new Error(`${where}.name must be a name of 1 to 64 characters`);
    }
    if (seen.has(name)) throw new Error(`${where}: the operator "${name}" is named twice`);
    seen.add(name);
    if (typeof passwordHash !== 'string') {
      throw new Error(`${where}.passwordHash must be a hash made by \`natter hash-password\``);
    }
    try {
      parsePasswordHash(passwordHash);
    } catch (err) {
      if (!(err instanceof PasswordHashError)) throw err;
      throw new Error(
        `${where}.passwordHash is not a hash made by \`natter hash-password\`: ${err.message}`,
      );
    }
    return { name, passwordHash };
  });
}
