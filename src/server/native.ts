import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
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

/** The optional native addon (native/fanout.c), built by `npm install` where a compiler is. */
export interface NativeAddon {
  readonly sendAll: SendAll;
}

/** Where node-gyp puts the addon, relative to the package root. */
const ADDON = join('build', 'Release', 'natter_native.node');

/** Why the addon is not loaded (for `natter serve`'s startup line), or undefined if it is. */
export let nativeUnavailable: string | undefined;

/**
 * The native fan-out writer, or undefined where it was not built (no compiler at install time,
 * Windows); the stream write path then does all the writing, with the same behaviour. The
 * server's `nativeWrites` option decides whether a built addon is used.
 */
export const native: NativeAddon | undefined = load();

function load(): NativeAddon | undefined {
  // This file runs from src/server (through a TypeScript loader) or dist/src/server.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++, dir = dirname(dir)) {
    const path = join(dir, ADDON);
    if (!existsSync(path)) continue;
    try {
      const addon = createRequire(import.meta.url)(path) as Partial<NativeAddon>;
      if (typeof addon.sendAll === 'function') return addon as NativeAddon;
      nativeUnavailable = `${path} does not export sendAll`;
    } catch (err) {
      nativeUnavailable = `${path} does not load: ${(err as Error).message}`;
    }
    return undefined;
  }
  nativeUnavailable = `${ADDON} is not built (npm install builds it where python3, make and a C compiler are)`;
  return undefined;
}

/** The part of a libuv stream handle that a direct write needs. */
export interface SocketHandle {
  readonly fd: number;
}

/**
 * The handle of a plain TCP or Unix socket, whose descriptor can be written directly; undefined
 * for every other stream (TLS, a WebSocket adapter, a test pipe), which is always written
 * through the stream. The descriptor is valid only while `stream._handle` is this same handle:
 * Node sets `_handle` to null when it closes the socket, before the number can be reused.
 */
export function socketHandle(stream: Duplex): SocketHandle | undefined {
  const handle = (stream as { _handle?: unknown })._handle;
  if (typeof handle !== 'object' || handle === null) return undefined;
  // Only libuv's own socket handles: a TLS socket's handle (TLSWrap) reports the descriptor of
  // the TCP socket beneath it, where plain bytes would corrupt the encrypted stream.
  const kind = handle.constructor?.name;
  if (kind !== 'TCP' && kind !== 'Pipe') return undefined;
  const fd = (handle as { fd?: unknown }).fd;
  return typeof fd === 'number' && fd >= 0 ? (handle as SocketHandle) : undefined;
}

/** True while `handle` is still the live handle of `stream` (see {@link socketHandle}). */
export function ownsHandle(stream: Duplex, handle: SocketHandle): boolean {
  return (stream as { _handle?: unknown })._handle === handle;
}
