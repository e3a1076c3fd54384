/**
 * The optional native addon (native/fanout.c, native/memory.cc): what it offers, and loading it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Sends `data` to the first `count` sockets of `fds` without blocking: `results[i]` is the
 * number of bytes socket i took, or minus its errno. Returns how many took all of `data`.
 */
export type SendAll = (
  fds: Int32Array,
  count: number,
  data: Uint8Array,
  results: Int32Array,
) => number;

/** The optional native addon (native/), built by `npm install` where a compiler is. */
export interface NativeAddon {
  readonly sendAll: SendAll;
  /** Gives the V8 heap's and the C allocator's free pages back to the system (memory.cc). */
  readonly releaseMemory: () => void;
}

/** Where node-gyp puts the addon, relative to the package root. */
const ADDON = join('build', 'Release', 'natter_native.node');

/** Why the addon is not loaded (for the server's startup line), or undefined if it is. */
export let nativeUnavailable: string | undefined;

/**
 * The native addon, or undefined where it was not built (no compiler at install time, Windows):
 * the stream write path then does all the writing, with the same behaviour, and memory goes back
 * to the system only when V8 decides to.
 */
export const native: NativeAddon | undefined = load();

function load(): NativeAddon | undefined {
  // This file runs from src/server (through a TypeScript loader) or dist/src/server.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++, dir = dirname(dir)) {
    const path = join(dir, ADDON);
    if (!existsSync(path)) continue;
    try {
      const addon = createRequire(import.meta.url)(path) as Partial<NativeAddon>;
      if (typeof addon.sendAll === 'function' && typeof addon.releaseMemory === 'function') {
        return addon as NativeAddon;
      }
      nativeUnavailable = `${path} is out of date (rebuild it: npm install)`;
    } catch (err) {
      nativeUnavailable = `${path} does not load: ${(err as Error).message}`;
    }
    return undefined;
  }
  nativeUnavailable = `${ADDON} is not built (npm install builds it where python3, make and a C compiler are)`;
  return undefined;
}
