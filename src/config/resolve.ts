import { readFileSync } from 'node:fs';
import net from 'node:net';
import { addToBlockList } from '../addresses.js';
import { nameProblem } from '../protocol/names.js';
import { durationMs } from '../duration.js';
import { parseOperators, type OperatorConfig } from './operators.js';
import { ConfigError } from './config-error.js';
import { checkedPhrases, readPhrases } from './phrases.js';
import {
  DEFAULT_CONFIG,
  OPTIONS,
  envName,
  flagName,
  type OptionSpec,
  type ServerConfig,
} from './options.js';

/**
 * Resolving the configuration: the sources (file, environment, flags) merged once over the
 * defaults, converted by the option table, and validated before the server starts.
 */

export { ConfigError } from './config-error.js';

/** Values as they come from a source: strings from flags and variables, JSON from a file. */
export type RawOptions = Partial<Record<keyof ServerConfig, unknown>>;

/**
 * Merges the sources once, lowest precedence first: defaults, the JSON config file, environment
 * variables, then flags; then validates everything. Throws {@link ConfigError}.
 */
export function resolveConfig(sources: {
  /** Defaults of the program that reads the configuration, under every other source. */
  defaults?: RawOptions;
  flags?: RawOptions;
  env?: NodeJS.ProcessEnv;
  file?: string;
  bannedWordsFile?: string;
}): ServerConfig {
  const config: ServerConfig = {
    ...DEFAULT_CONFIG,
    bannedPhrases: [...DEFAULT_CONFIG.bannedPhrases],
  };
  const layers: [string, RawOptions][] = [];
  /** Where each option was last set, as the user wrote it, for the sentences of validation. */
  const named: Partial<Record<keyof ServerConfig, string>> = {};
  if (sources.defaults) layers.push(['defaults', sources.defaults]);
  const fromFile = sources.file === undefined ? undefined : readJsonFile(sources.file);
  if (sources.file && fromFile) layers.push([sources.file, fromFile]);
  if (sources.env) layers.push(['environment', fromEnv(sources.env)]);
  if (sources.flags) layers.push(['flags', sources.flags]);
  for (const [origin, raw] of layers) {
    for (const spec of OPTIONS) {
      const value = raw[spec.key];
      if (value === undefined) continue;
      const converted = convert(spec, value, origin);
      (config as unknown as Record<string, unknown>)[spec.key] = converted;
      named[spec.key] = whereSet(spec, origin, converted);
    }
  }
  if (fromFile?.operators !== undefined) {
    config.operators = fromFile.operators as OperatorConfig[];
    named.operators = `config file ${sources.file}`;
  }
  if (sources.bannedWordsFile) config.bannedPhrases = readPhrases(sources.bannedWordsFile);
  return validateConfig(config, (key) => named[key] ?? key);
}

/**
 * The defaults with `overrides` on top (undefined members are ignored), validated: the
 * configuration of a server created from code. Throws {@link ConfigError}.
 */
export function configWith(overrides: Partial<ServerConfig>): ServerConfig {
  const config: ServerConfig = { ...DEFAULT_CONFIG };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  config.bannedPhrases = [...config.bannedPhrases];
  return validateConfig(config);
}

/**
 * Checks relations between options; throws {@link ConfigError}.
 * @param name how the user wrote an option (a flag, a variable, a key in a file); the key itself
 *   for a configuration made in code
 */
export function validateConfig(
  config: ServerConfig,
  name: (key: keyof ServerConfig) => string = (key) => key,
): ServerConfig {
  checkListeners(config, name);
  const problem = nameProblem(config.defaultRoom, config.maxRoomNameLength);
  if (problem) throw new ConfigError(`defaultRoom ${problem}`);
  if (config.host === '') throw new ConfigError('host must not be empty');
  if (config.redis !== '' && !/^rediss?:\/\//.test(config.redis)) {
    throw new ConfigError(`redis must be a redis:// URL, got ${JSON.stringify(config.redis)}`);
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(config.redisPrefix)) {
    throw new ConfigError('redisPrefix may hold letters, digits, _, . and - only');
  }
  config.bannedPhrases = checkedPhrases(name('bannedPhrases'), config.bannedPhrases);
  try {
    config.operators = parseOperators(config.operators);
  } catch (err) {
    throw new ConfigError(`${name('operators')}: ${(err as Error).message}`);
  }
  config.exemptAddresses = addressList(name('exemptAddresses'), config.exemptAddresses);
  config.trustProxy = addressList(name('trustProxy'), config.trustProxy);
  return config;
}

/**
 * A list of addresses and CIDR blocks, checked; `a,b` is two entries (handy in a variable).
 * @param option how the user wrote the option, for the error
 */
function addressList(option: string, entries: readonly string[]): string[] {
  // Addresses never contain commas.
  const list = entries
    .flatMap((e) => e.split(','))
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const check = new net.BlockList();
  for (const entry of list) {
    try {
      addToBlockList(check, entry);
    } catch (err) {
      throw new ConfigError(
        `${option} takes IP addresses and CIDR blocks (such as 192.0.2.7 or 2001:db8::/64), ` +
          `and ${JSON.stringify(entry)} is neither: ${(err as Error).message}`,
      );
    }
  }
  return list;
}

/** TLS needs a certificate and its key; the plain chat port may be off only with another on. */
function checkListeners(config: ServerConfig, name: (key: keyof ServerConfig) => string): void {
  const { tlsCert, tlsKey } = config;
  if ((tlsCert === '') !== (tlsKey === '')) {
    const [given, missing] = tlsCert === '' ? ['tlsKey', 'tlsCert'] : ['tlsCert', 'tlsKey'];
    const [without, what] =
      given === 'tlsCert' ? ['a private key', 'the key'] : ['a certificate', 'the certificate'];
    throw new ConfigError(
      `${name(given as keyof ServerConfig)} is set without ${without}: TLS needs both, so also ` +
        `give ${what} (a PEM file) with ${optionNames(missing as keyof ServerConfig)}, or neither`,
    );
  }
  if (!config.tcp && tlsCert === '' && !config.http) {
    const off = name('tcp');
    throw new ConfigError(
      `${off === 'tcp' ? 'tcp: false' : off} turns the plain chat port off, which leaves nothing to connect to: ` +
        'serve TLS (--tls-cert and --tls-key) or keep the HTTP listener on (--http)',
    );
  }
}

/** The three ways to give an option: `--tls-key (or NATTER_TLS_KEY, or "tlsKey" in ...)`. */
function optionNames(key: keyof ServerConfig): string {
  const spec = OPTIONS.find((o) => o.key === key)!;
  return `--${flagName(spec)} (or ${envName(key)}, or "${key}" in the config file)`;
}

/**
 * The port of a listener beside the chat port: `chosen` unless it is -1, else the chat port +
 * `offset` (the HTTP listener 1, TLS 2), or 0 (a free port) when the chat port is 0 or the sum
 * is no port.
 */
export function besidePort(chosen: number, chatPort: number, offset: number): number {
  if (chosen >= 0) return chosen;
  return chatPort === 0 || chatPort + offset > 65535 ? 0 : chatPort + offset;
}

function fromEnv(env: NodeJS.ProcessEnv): RawOptions {
  const raw: RawOptions = {};
  for (const spec of OPTIONS) {
    const value = env[envName(spec.key)];
    if (value !== undefined) raw[spec.key] = spec.kind === 'list' ? value.split('\n') : value;
  }
  return raw;
}

/** An option named as the user wrote it: the flag, the variable, or the key in the file. */
function whereSet(spec: OptionSpec, origin: string, value?: unknown): string {
  if (origin === 'flags') return `--${value === false ? 'no-' : ''}${flagName(spec)}`;
  return origin === 'environment' ? envName(spec.key) : `"${spec.key}" in ${origin}`;
}

function convert(spec: OptionSpec, value: unknown, origin: string): unknown {
  const where = whereSet(spec, origin);
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string') throw new ConfigError(`${where} must be a string`);
      return value;
    case 'choice':
      if (typeof value !== 'string' || !spec.choices?.includes(value)) {
        throw new ConfigError(`${where} must be one of ${spec.choices?.join(', ')}`);
      }
      return value;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1' || value === '') return true;
      if (value === 'false' || value === '0') return false;
      throw new ConfigError(`${where} must be true or false`);
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
      if (!Number.isFinite(n) || n < (spec.min ?? 0) || n > (spec.max ?? Infinity)) {
        throw new ConfigError(
          `${where} must be a number from ${spec.min ?? 0} to ${spec.max}, got ${JSON.stringify(value)}`,
        );
      }
      return n;
    }
    case 'list': {
      const list = Array.isArray(value) ? value : [value];
      // Banned phrases may also be objects (a rule with its action); checked in validation.
      const objects = spec.key === 'bannedPhrases';
      if (!list.every((p) => typeof p === 'string' || (objects && typeof p === 'object' && p))) {
        throw new ConfigError(`${where} must be a list of strings`);
      }
      return list;
    }
    case 'duration': {
      const ms = durationMs(value);
      if (ms === undefined) {
        throw new ConfigError(
          `${where} must be a duration such as 30d, 12h, 90m, 45s or a number of ms, got ${JSON.stringify(value)}`,
        );
      }
      return ms;
    }
    case 'integer': {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
      if (
        (typeof value === 'string' && !/^\s*-?\d+\s*$/.test(value)) ||
        !Number.isInteger(n) ||
        n < (spec.min ?? 0) ||
        n > (spec.max ?? Infinity)
      ) {
        throw new ConfigError(
          `${where} must be a whole number from ${spec.min ?? 0} to ${spec.max}, got ${JSON.stringify(value)}`,
        );
      }
      return n;
    }
  }
}

function readJsonFile(path: string): RawOptions {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  const known = new Set<string>([...OPTIONS.map((o) => o.key), 'operators']);
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) throw new ConfigError(`config file ${path}: unknown option "${key}"`);
  }
  return parsed as RawOptions;
}
