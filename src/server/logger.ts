import { createRequire } from 'node:module';
import { pino } from 'pino';
import type { LogFormat, LogLevel } from '../config/options.js';

const RANK: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** Where log lines go; the default is pino's (see {@link pinoSink}). */
export interface LogSink {
  (level: Exclude<LogLevel, 'silent'>, line: string): void;
}

/**
 * A leveled logger. Join, leave and lost-connection lines are `info` (like the seed's prints);
 * per-command detail is `debug` and costs one comparison when disabled (`debugEnabled`).
 * `notice` is for what an operator must always see (where the server listens, that it stopped):
 * at every level but `silent`.
 */
export class Logger {
  readonly debugEnabled: boolean;
  private readonly rank: number;

  /** @param sink where lines go; by default pino's, JSON or readable (see {@link pinoSink}) */
  constructor(
    level: LogLevel,
    private readonly sink: LogSink = pinoSink('auto'),
  ) {
    this.rank = RANK[level];
    this.debugEnabled = this.rank >= RANK.debug;
  }

  error(line: string): void {
    if (this.rank >= RANK.error) this.sink('error', line);
  }
  warn(line: string): void {
    if (this.rank >= RANK.warn) this.sink('warn', line);
  }
  info(line: string): void {
    if (this.rank >= RANK.info) this.sink('info', line);
  }
  debug(line: string): void {
    if (this.debugEnabled) this.sink('debug', line);
  }
  /** Shown at every level but `silent`, as information. */
  notice(line: string): void {
    if (this.rank > RANK.silent) this.sink('info', line);
  }
}

/** What decides a server's logger: the options given to `createServer`. */
export interface LoggerOptions {
  logLevel?: LogLevel | undefined;
  logSink?: LogSink | undefined;
  logFormat?: LogFormat | undefined;
}

/**
 * The logger for a server's options. A server embedded in a program is quiet unless asked: with
 * neither `logLevel` nor `logSink` given it logs nothing. Given a level but no sink, it logs
 * through pino: JSON lines, or readable lines on a terminal (`logFormat`).
 */
export function loggerFor(options: LoggerOptions): Logger {
  const level = options.logLevel ?? (options.logSink ? 'info' : 'silent');
  if (options.logSink) return new Logger(level, options.logSink);
  if (level === 'silent') return new Logger(level, () => undefined);
  return new Logger(level, pinoSink(options.logFormat ?? 'auto'));
}

/**
 * Log lines through pino, with a time and a level: JSON, one object per line (`json`, and `auto`
 * when stdout is not a terminal), or readable lines (`pretty`, and `auto` on a terminal; pino-pretty
 * is loaded only then).
 */
export function pinoSink(format: LogFormat): LogSink {
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  const options = {
    level: 'debug',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  // Information to stdout; warnings and errors to stderr, as a command-line tool does.
  const stream = (fd: 1 | 2) =>
    pretty
      ? (createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty'))({
          sync: true,
          destination: fd,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname',
          colorize:
            (fd === 1 ? process.stdout : process.stderr).isTTY === true && !process.env.NO_COLOR,
        })
      : pino.destination({ dest: fd, sync: true });
  const streams = [
    { level: 'debug' as const, stream: stream(1) },
    { level: 'warn' as const, stream: stream(2) },
  ];
  const log = pino(options, pino.multistream(streams, { dedupe: true }));
  return (level, line) => log[level](line);
}
