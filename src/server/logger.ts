import type { LogLevel } from '../config/options.js';

const RANK: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** Where log lines go; the default writes to stdout (info, debug) and stderr (warn, error). */
export interface LogSink {
  (level: Exclude<LogLevel, 'silent'>, line: string): void;
}

const consoleSink: LogSink = (level, line) => {
  if (level === 'error' || level === 'warn') process.stderr.write(line + '\n');
  else process.stdout.write(line + '\n');
};

/**
 * A leveled logger. Join, leave and lost-connection lines are `info` (like the seed's prints);
 * per-command detail is `debug` and costs one comparison when disabled (`debugEnabled`).
 */
export class Logger {
  readonly debugEnabled: boolean;
  private readonly rank: number;

  constructor(
    level: LogLevel,
    private readonly sink: LogSink = consoleSink,
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
}
