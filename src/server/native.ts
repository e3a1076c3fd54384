/**
 * The optional native addons (native/fanout.c, native/memory.cc): what they offer, and loading
 * them. Each is built and loaded on its own, so that one missing costs only what it does.
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

/**
 * Parking idle sockets (native/park.c): the addon watches a parked client's descriptor in an
 * epoll set of its own while the client's `net.Socket` is gone. Linux only.
 */
export interface Parking {
  /**
   * Installs the one callback, for the whole process, told of parked descriptors that became
   * readable (data, a FIN, a reset). Each is reported once: it is no longer watched.
   */
  readonly parkInit: (onReady: (fds: Int32Array) => void) => void;
  /** Stops watching and closes the epoll set; `parkInit` may start it again. */
  readonly parkStop: () => void;
  /** Dups `fd` and watches the dup for input: the dup, or minus the errno. */
  readonly park: (fd: number) => number;
  /** Stops watching a parked descriptor (it stays open): 0, or minus the errno. */
  readonly unpark: (fd: number) => number;
  /** Stops watching a parked descriptor and closes it: 0, or minus the errno. */
  readonly closeParked: (fd: number) => number;
}

/**
 * The room fan-out addon (native/fanout.c), built by `npm install` where a C compiler is; with
 * the parking functions where the system has epoll (Linux).
 */
export interface NativeAddon extends Partial<Parking> {
  readonly sendAll: SendAll;
}

/** The memory addon (native/memory.cc), built where a C++ compiler is. */
export interface MemoryAddon {
  /**
   * Gives free memory back to the system: the C allocator's always, the V8 heap's with
   * `collect` (full collections: the process pauses for as long as they take).
   */
  readonly releaseMemory: (collect: boolean) => void;
}

/** Why the fan-out addon is not loaded (for the server's startup line), or undefined if it is. */
export let nativeUnavailable: string | undefined;

/**
 * The native fan-out, or undefined where it was not built (no compiler at install time,
 * Windows): the stream write path then does all the writing, with the same behaviour.
 */
export const native: NativeAddon | undefined = load<NativeAddon>(
  'natter_native.node',
  'sendAll',
  'a C compiler',
  (why) => (nativeUnavailable = why),
);

/** Parking idle sockets, where the addon is loaded and the system has epoll. */
export const parking: (Parking & NativeAddon) | undefined =
  native && typeof native.parkInit === 'function' ? (native as Parking & NativeAddon) : undefined;

/** Why the memory addon is not loaded, or undefined if it is. */
export let memoryAddonUnavailable: string | undefined;

/**
 * The memory release, or undefined where it was not built: memory then goes back to the
 * system only when V8 decides to.
 */
export const memoryAddon: MemoryAddon | undefined = load<MemoryAddon>(
  'natter_memory.node',
  'releaseMemory',
  'a C++ compiler',
  (why) => (memoryAddonUnavailable = why),
);

/** Loads `build/Release/<file>`, which must export the function `name`. */
function load<T>(
  file: string,
  name: string,
  compiler: string,
  unavailable: (why: string) => void,
): T | undefined {
  const addon = join('build', 'Release', file);
  // This file runs from src/server (through a TypeScript loader) or dist/src/server.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++, dir = dirname(dir)) {
    const path = join(dir, addon);
    if (!existsSync(path)) continue;
    try {
      const loaded = createRequire(import.meta.url)(path) as Record<string, unknown>;
      if (typeof loaded[name] === 'function') return loaded as T;
      unavailable(`${path} does not export ${name}`);
    } catch (err) {
      // Built for another version of Node, say: npm install (or npm rebuild) builds it again.
      unavailable(`${path} does not load (npm rebuild builds it again): ${(err as Error).message}`);
    }
    return undefined;
  }
  unavailable(
    `${addon} is not built (npm install builds it where python3, make and ${compiler} are)`,
  );
  return undefined;
}
