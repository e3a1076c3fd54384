import { writeSync } from 'node:fs';

/**
 * For a child process that a test kills: writes a line to stdout, the parent's pipe, before it
 * returns, so that what was said is the parent's whether or not the kill follows.
 * (process.stdout may hold a write back when the pipe is busy, and a kill loses it: then
 * something could be stored that was never reported.)
 */
export function reportLine(line: string): void {
  const bytes = Buffer.from(`${line}\n`);
  for (let at = 0; at < bytes.length;) {
    try {
      at += writeSync(1, bytes, at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}
