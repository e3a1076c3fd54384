/**
 * The processes of `npm run bench`: the builds of Natter to measure, the servers (pinned to CPU 0
 * with taskset when there is one; Natter on each of its wires, the seed, Socket.IO) and
 * `natter bench` runs (pinned to CPU 1).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from '../src/bench/run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** This checkout's CLI: the generator of every run, and the server of the `natter` rows. */
const NATTER = join(ROOT, 'dist/src/cli/natter.js');
const BLASTER = join(ROOT, 'dist/bench/blaster.js');
const SEED = join(ROOT, 'test/fixtures/seed_server.py');
const SOCKETIO = join(ROOT, 'dist/bench/socketio-server.js');

/**
 * How a server is reached: Natter's chat port (tcp), its TLS port (tls), its HTTP listener's `/ws`
 * (ws) or the same over TLS (wss); `socketio` is the Socket.IO server over WebSocket.
 */
export type ServedWire = 'tcp' | 'tls' | 'ws' | 'wss' | 'socketio';

/** `natter bench` options for a wire (the certificate's CA for TLS). */
export function wireArgs(wire: ServedWire): string[] {
  switch (wire) {
    case 'tcp':
      return [];
    case 'ws':
      return ['--ws'];
    case 'tls':
      return ['--tls', '--ca', tlsFiles().cert];
    case 'wss':
      return ['--ws', '--tls', '--ca', tlsFiles().cert];
    case 'socketio':
      return ['--socketio'];
  }
}

let tlsPair: { cert: string; key: string } | undefined;

/**
 * A throwaway certificate and key for the TLS rows (PEM, ECDSA P-256, for 127.0.0.1 and
 * localhost, valid a day), made once per run with openssl.
 */
export function tlsFiles(): { cert: string; key: string } {
  if (tlsPair) return tlsPair;
  const dir = mkdtempSync(join(tmpdir(), 'natter-bench-tls-'));
  const pair = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      pair.key,
      '-out',
      pair.cert,
    ],
    { stdio: 'ignore' },
  );
  tlsPair = pair;
  return pair;
}

/** `natter serve` options so that `port` is where a wire is served; the other ports are free. */
async function natterListen(wire: ServedWire, port: number): Promise<string[]> {
  const other = async () => String(await freePort());
  const tls = () => ['--tls-cert', tlsFiles().cert, '--tls-key', tlsFiles().key];
  switch (wire) {
    case 'tcp':
      return ['--port', String(port), '--no-http'];
    case 'ws':
      return ['--port', await other(), '--http-port', String(port)];
    case 'tls':
      return ['--port', await other(), '--no-http', ...tls(), '--tls-port', String(port)];
    case 'wss':
      return [
        '--port',
        await other(),
        '--http-port',
        String(port),
        ...tls(),
        '--tls-port',
        await other(),
      ];
    case 'socketio':
      throw new Error('Socket.IO is not a wire of Natter');
  }
}

/** A build of Natter to measure: its CLI, and how its rows are labelled. */
export interface Build {
  label: string;
  natter: string;
  /** It keeps history (docs/protocol.md, section 12): it takes --data-dir and --no-history. */
  history: boolean;
}

export const CURRENT: Build = { label: 'natter', natter: NATTER, history: true };

/** Whether the `natter serve` of a build knows `--data-dir` (builds before history do not). */
function knowsDataDir(natter: string): boolean {
  try {
    const help = execFileSync(process.execPath, [natter, 'serve', '--help'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
    return help.includes('--data-dir');
  } catch {
    return false;
  }
}

/**
 * Another built checkout of Natter, `dir`, labelled with its short commit (or its folder's name
 * when it is not a git checkout).
 */
export function baselineBuild(dir: string): Build {
  const root = resolve(dir);
  const natter = join(root, 'dist/src/cli/natter.js');
  if (!existsSync(natter))
    throw new Error(`--baseline ${dir}: no ${natter}; build it first (npx tsc -p tsconfig.json)`);
  let name: string;
  try {
    name = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    name = '';
  }
  return {
    label: `natter (baseline ${name || basename(root)})`,
    natter,
    history: knowsDataDir(natter),
  };
}

export const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
})();

const pinned = (cpu: number, command: string[]): string[] =>
  hasTaskset ? ['taskset', '-c', String(cpu), ...command] : command;

export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function start(command: string[]): ChildProcess {
  return spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Waits for a server's "listening" line. (Probing the port would do for Natter, but a connection
 * that closes without a word wedges the seed: its defect D01.)
 */
function waitForListening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`the server did not start: ${output}`)),
      10_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/listening on/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${output}`)));
  });
}

/** The data directory of each Natter server started here, removed when it stops. */
const dataDirs = new Map<ChildProcess, string>();

/** A fresh directory for one server's history, under the system's temporary one. */
export function freshDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'natter-bench-data-'));
}

/** The data directory a server started here keeps its history in (undefined: none). */
export function dataDirOf(child: ChildProcess): string | undefined {
  return dataDirs.get(child);
}

/** Stops a server (SIGTERM, SIGKILL after 8 s) and removes its data directory. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
  }
  const dir = dataDirs.get(child);
  dataDirs.delete(child);
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** A copy of the seed whose room holds `cap` users (S2-S5 need more than its 10). */
function seedCopy(cap: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'natter-seed-'));
  const path = join(dir, 'seed_server.py');
  copyFileSync(SEED, path);
  const text = readFileSync(path, 'utf8').replace(
    'MAX_USER_IN_CHATROOM = 10',
    `MAX_USER_IN_CHATROOM = ${cap}`,
  );
  writeFileSync(path, text);
  return path;
}

/**
 * The server to measure, on a free port; Natter from `build`, serving `wire` on `port` (and only
 * what that needs: the HTTP listener only for ws and wss). Pinned to CPU 0. A build that keeps
 * history is given a fresh temporary `--data-dir` of its own (its history, when on, starts
 * empty), which `stop` removes: never `natter serve`'s default ./natter-data, which would be
 * shared by every run and left behind.
 */
export async function startServer(
  kind: 'natter' | 'seed' | 'blaster' | 'socketio',
  port: number,
  extra: string[] = [],
  build: Build = CURRENT,
  wire: ServedWire = 'tcp',
): Promise<ChildProcess> {
  const dataDir = kind === 'natter' && build.history ? freshDataDir() : undefined;
  const command =
    kind === 'natter'
      ? [
          process.execPath,
          build.natter,
          'serve',
          '--host',
          '127.0.0.1',
          ...(await natterListen(wire, port)),
          '--max-users',
          '20000',
          // info: its "listening" line tells when it is ready; join lines are few.
          '--log-level',
          'info',
          ...(dataDir ? ['--data-dir', dataDir] : []),
          ...extra,
        ]
      : kind === 'seed'
        ? ['python3', '-u', seedCopy(20000), '--host', '127.0.0.1', '--port', String(port)]
        : kind === 'socketio'
          ? [process.execPath, SOCKETIO, String(port), '127.0.0.1']
          : [process.execPath, BLASTER, String(port), ...extra];
  const child = start(pinned(0, command));
  if (dataDir) dataDirs.set(child, dataDir);
  try {
    await waitForListening(child);
  } catch (err) {
    await stop(child);
    throw err;
  }
  // From here on the output is only drained: the benchmark does not read what the server logs.
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

/** One `natter bench` run of this checkout, pinned to CPU 1; its JSON result. */
export async function benchOnce(args: string[]): Promise<BenchResult> {
  const command = pinned(1, [process.execPath, NATTER, 'bench', '--json', ...args]);
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  const line = out.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as BenchResult;
  } catch {
    throw new Error(`bench failed: ${err || out}`);
  }
}

/** CPU time a process has used, in seconds (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The pid of the Redis at 127.0.0.1:6379. */
export function redisPid(): number {
  const info = execFileSync('redis-cli', [
    '-h',
    '127.0.0.1',
    '-p',
    '6379',
    'info',
    'server',
  ]).toString();
  return Number(/process_id:(\d+)/.exec(info)![1]);
}
