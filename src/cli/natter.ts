#!/usr/bin/env node
import { NATTER_VERSION } from '../version.js';
import { bench } from './bench.js';
import { chat } from './chat.js';
import { hashPasswordCommand } from './hash-password.js';
import { serve } from './serve.js';
import { CliError, UsageError } from './usage.js';

const USAGE = `Usage: natter <command> [options]

Commands:
  serve          run a chat server (natter serve --help)
  chat           join a chat server (natter chat --help)
  bench          load-test a chat server (natter bench --help)
  hash-password  hash an operator's password, read on standard input (natter hash-password --help)
  version        print the version

Natter ${NATTER_VERSION}`;

/** The `natter` command: a thin dispatcher over the library. */
async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'serve':
      return serve(args);
    case 'chat':
      return chat(args);
    case 'bench':
      return bench(args);
    case 'hash-password':
      return hashPasswordCommand(args);
    case 'version':
    case '--version':
    case '-v':
      process.stdout.write(`natter ${NATTER_VERSION}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`natter: ${err.message}\n(natter --help shows the usage)\n`);
      process.exitCode = 2;
    } else if (err instanceof CliError) {
      process.stderr.write(`natter: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`natter: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
