import { reloadOnHangup } from './reload.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_CONFIG, OPTIONS, envName, flagName } from '../config/options.js';
import { ConfigError, resolveConfig, type RawOptions } from '../config/resolve.js';
import { createClusterServer } from '../cluster/index.js';
import { CertificateError } from '../transport/certificates.js';
import { CliError, UsageError } from './usage.js';
import { StorageUnusableError } from '../backends/errors.js';

/** `natter serve --help` */
export function serveHelp(): string {
  const rows = OPTIONS.map((spec) => {
    const flag = spec.kind === 'boolean' ? `--[no-]${flagName(spec)}` : `--${flagName(spec)} VALUE`;
    const def = JSON.stringify(DEFAULT_CONFIG[spec.key]);
    return `  ${flag.padEnd(30)} ${spec.help} (default ${def}; env ${envName(spec.key)})`;
  });
  return [
    'Usage: natter serve [options]',
    '',
    'Starts a chat server. Options (flags override variables, which override the config file):',
    ...rows,
    `  ${'--banned-words-file FILE'.padEnd(30)} banned phrases, one per line (# comments)`,
    `  ${'--config FILE'.padEnd(30)} JSON file with any of the options above (env NATTER_CONFIG)`,
    `  ${'--help'.padEnd(30)} this text`,
  ].join('\n');
}

/** Parses `natter serve` arguments into config sources; throws {@link UsageError}. */
export function parseServeArgs(args: string[]): {
  flags: RawOptions;
  file?: string;
  bannedWordsFile?: string;
  help: boolean;
} {
  const options: NonNullable<ParseArgsConfig['options']> = {
    config: { type: 'string' },
    'banned-words-file': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const spec of OPTIONS) {
    if (spec.kind === 'boolean') options[`no-${flagName(spec)}`] = { type: 'boolean' };
    options[flagName(spec)] =
      spec.kind === 'boolean'
        ? { type: 'boolean' }
        : spec.kind === 'list'
          ? { type: 'string', multiple: true }
          : { type: 'string' };
  }
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: negativeValues(args, options),
      options,
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const flags: RawOptions = {};
  for (const spec of OPTIONS) {
    const value = values[flagName(spec)];
    if (value !== undefined) flags[spec.key] = value;
    // `--no-hide-addresses` turns an option off, whatever the file or environment said.
    if (values[`no-${flagName(spec)}`] === true) {
      if (value !== undefined)
        throw new UsageError(
          `--${flagName(spec)} and --no-${flagName(spec)} contradict each other`,
        );
      flags[spec.key] = false;
    }
  }
  const result: ReturnType<typeof parseServeArgs> = { flags, help: values.help === true };
  if (typeof values.config === 'string') result.file = values.config;
  if (typeof values['banned-words-file'] === 'string') {
    result.bannedWordsFile = values['banned-words-file'];
  }
  return result;
}

/**
 * `--max-users -1` as `--max-users=-1`: parseArgs takes a value that starts with a dash for an
 * option ("ambiguous"); a negative number is then checked like any other value, and refused
 * with the option's range.
 */
function negativeValues(
  args: string[],
  options: NonNullable<ParseArgsConfig['options']>,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** A sentence for a failure to listen, naming the option and the fix; undefined if unknown. */
function listenProblem(
  err: NodeJS.ErrnoException & { port?: number; option?: string },
  host: string,
  port: number,
): string | undefined {
  // The chat port, the TLS port or the HTTP listener's, as the listener that failed says.
  const spec = OPTIONS.find((o) => o.key === err.option);
  const flag = spec ? `--${flagName(spec)}` : '--port';
  if (err.port !== undefined) port = err.port;
  switch (err.code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is already in use (another natter serve?): stop it, or choose another with ${flag}`;
    case 'EACCES':
      return `port ${port} needs privileges on this system: choose one above 1023 with ${flag}`;
    case 'EADDRNOTAVAIL':
      return `--host ${host} is not an address of this machine: use one it has, such as 127.0.0.1 or 0.0.0.0`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `--host ${host} does not resolve to an address: use an address such as 127.0.0.1, or a name this machine resolves`;
    default:
      return undefined;
  }
}

/** Where `natter serve` keeps history unless told otherwise (docs/protocol.md, rule 12.1). */
const SERVE_DATA_DIR = './natter-data';

/**
 * `natter serve`: runs the server until SIGINT or SIGTERM, then drains and exits 0 (rule 3.8).
 * @returns the process exit code
 */
export async function serve(args: string[]): Promise<number> {
  const parsed = parseServeArgs(args);
  if (parsed.help) {
    process.stdout.write(serveHelp() + '\n');
    return 0;
  }
  const file = parsed.file ?? process.env.NATTER_CONFIG;
  // Signals are taken from the start: one that arrives while the server is still starting (just
  // after its listening line) stops it as soon as it is up, rather than killing the process;
  // a second one exits at once.
  let signalled: string | undefined;
  let onSignal = (signal: string) => {
    if (signalled) process.exit(1);
    signalled = signal;
    process.stderr.write(`natter: ${signal} received while starting: stopping once started\n`);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  let server;
  let config;
  try {
    const read = () =>
      resolveConfig({
        // History persists by default when served; a server made from code keeps it in memory.
        defaults: { dataDir: SERVE_DATA_DIR },
        flags: parsed.flags,
        env: process.env,
        ...(file ? { file } : {}),
        ...(parsed.bannedWordsFile ? { bannedWordsFile: parsed.bannedWordsFile } : {}),
      });
    config = read();
    // SIGHUP reloads what may change while running (the certificate, operators, banned
    // phrases); one that arrives while starting is carried out once started.
    let reloadWanted = false;
    let reload: () => void = () => void (reloadWanted = true);
    process.on('SIGHUP', () => reload());
    server = await createClusterServer(config);
    const started = server;
    reload = () => reloadOnHangup(started, read);
    if (reloadWanted) reload();
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    if (err instanceof CertificateError) throw new CliError(err.message);
    if (err instanceof StorageUnusableError) {
      throw new CliError(`${err.message}: stop it, or give this one another --data-dir`);
    }
    const problem = config && listenProblem(err as NodeJS.ErrnoException, config.host, config.port);
    if (problem) throw new CliError(problem);
    throw err;
  }
  const running = server;
  await new Promise<void>((resolve) => {
    let stopping = false;
    onSignal = (signal: string) => {
      if (stopping) {
        running.logger.warn(`${signal} again: exiting now`);
        process.exit(1);
      }
      stopping = true;
      running.logger.info(`${signal} received: shutting down.`);
      running.close().then(resolve, (err: unknown) => {
        running.logger.error(`shutdown failed: ${String(err)}`);
        resolve();
      });
    };
    if (signalled) onSignal(signalled);
  });
  running.logger.notice('Bye bye~');
  return 0;
}
