import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BenchError, formatResult, runBench } from '../bench/run.js';
import type { Target, Wire } from '../bench/plan.js';
import { listeningPid } from '../bench/proc.js';
import { CliError, UsageError } from './usage.js';

export const BENCH_USAGE = `Usage: natter bench [options]

Load-tests a chat server that speaks the seed protocol (Natter or the original): joins --clients
clients to one room, lets --senders of them chat, and reports deliveries per second, latency,
loss and order, as a summary and a JSON line. Loopback only is recommended.

  --host HOST          server host; repeat or comma-separate for several (default 127.0.0.1)
  --port PORT          server port; repeat or comma-separate to spread clients over several
                       servers, such as a cluster (default 20825; with --ws 20826, the HTTP
                       port; with --tls alone 20827, the TLS port)
  --ws                 over WebSocket: one JSON object per message at ws://HOST:PORT/ws
  --tls                over TLS (with --ws: wss://); any certificate is taken unless --ca
  --ca FILE            with --tls: verify the server's certificate against this CA (PEM)
  --socketio           speak Socket.IO (Engine.IO v4 over WebSocket) to a server of the shape
                       of bench/socketio-server.ts: join(nickname, ack), chat(text)
  --clients N          clients in the room (default 10)
  --senders S          how many of them chat (default 1)
  --rate R             chats per second per sender; 0 for as fast as the window allows (default 0)
  --window W           chats in flight per sender at rate 0 (default 64)
  --batch N            most chats per write (default: all that are due); 1 writes each chat
                       in its own write, as a simple client does
  --duration D         seconds measured (default 10)
  --warmup W           seconds before measuring (default 1)
  --msg-size B         bytes per chat message (default 64)
  --idle N             instead: open N idle registered connections, report memory per connection
  --server-pid PID     report the server's CPU and memory (Linux); by default the process
                       listening on the (first) port, when this user may read it
  --workers N          generator threads (default: one per available core)
  --connect-concurrency N
                       clients that join at once, in rounds (default 512; 1 for the seed,
                       whose joins race each other)
  --caps LIST          capabilities every client asks for in its CONNECT, comma-separated
                       (rule 4.4), e.g. history: deliveries then carry seq and ts, which are
                       checked too (each client's seqs rise); default: seed clients, no caps
  --no-spread          do not bind clients to 127.0.0.2-251
  --json               print only the JSON line`;

const list = (values: string[] | undefined, fallback: string) =>
  (values && values.length > 0 ? values : [fallback]).flatMap((v) => v.split(',')).filter((v) => v);

function number(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min)
    throw new UsageError(`--${name} must be a number of at least ${min}, got ${value}`);
  return n;
}

/** The wire the options choose (plan.ts). */
function wireOf(values: {
  ws?: boolean | undefined;
  tls?: boolean | undefined;
  ca?: string | undefined;
  socketio?: boolean | undefined;
}): Wire {
  if (values.ca !== undefined && !values.tls) throw new UsageError('--ca goes with --tls');
  let ca: string | undefined;
  if (values.ca !== undefined) {
    try {
      ca = readFileSync(values.ca, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read --ca ${values.ca}: ${(err as Error).message}`);
    }
  }
  return {
    protocol: values.socketio ? 'socketio' : 'natter',
    websocket: Boolean(values.ws || values.socketio),
    tls: values.tls ? (ca === undefined ? {} : { ca }) : false,
  };
}

/**
 * The capabilities of `--caps` (repeated or comma-separated), or undefined when not given. A
 * capability is a word of letters, digits, `-` and `_`; `--caps ""` asks for none, yet sends
 * the list (rule 4.4: an extended client).
 */
export function parseCaps(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const caps = values.flatMap((v) => v.split(',')).map((c) => c.trim());
  const wanted = caps.filter((c) => c !== '');
  for (const c of wanted) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(c))
      throw new UsageError(`--caps takes capability names such as history, not ${c}`);
  }
  return [...new Set(wanted)];
}

/**
 * `natter bench`; returns the exit code: 1 when a delivery was lost or out of order, or, for
 * clients granted history, arrived without its seq or out of the room's order.
 */
export async function bench(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        host: { type: 'string', multiple: true },
        port: { type: 'string', multiple: true },
        ws: { type: 'boolean' },
        tls: { type: 'boolean' },
        ca: { type: 'string' },
        socketio: { type: 'boolean' },
        clients: { type: 'string' },
        senders: { type: 'string' },
        rate: { type: 'string' },
        window: { type: 'string' },
        batch: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        'msg-size': { type: 'string' },
        idle: { type: 'string' },
        'server-pid': { type: 'string' },
        workers: { type: 'string' },
        'connect-concurrency': { type: 'string' },
        caps: { type: 'string', multiple: true },
        'no-spread': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(BENCH_USAGE + '\n');
    return 0;
  }
  const wire = wireOf(values);
  const caps = parseCaps(values.caps);
  if (caps && wire.protocol === 'socketio')
    throw new UsageError('--caps is for Natter, not --socketio');
  const defaultPort = wire.websocket ? '20826' : wire.tls ? '20827' : '20825';
  const hosts = list(values.host, '127.0.0.1');
  const ports = list(values.port, defaultPort).map((p) => number('port', p, 0, 1));
  const targets: Target[] =
    hosts.length === ports.length
      ? hosts.map((host, i) => ({ host, port: ports[i]! }))
      : hosts.flatMap((host) => ports.map((port) => ({ host, port })));
  const idle = number('idle', values.idle, 0);
  // Found by its port only on this machine: a remote server's port may be a local one's too.
  const local = /^(127\.|::1$|localhost$)/.test(targets[0]!.host);
  const serverPid = values['server-pid']
    ? number('server-pid', values['server-pid'], 0, 1)
    : local
      ? listeningPid(targets[0]!.port)
      : undefined;
  if (serverPid !== undefined && !values['server-pid'] && !values.json) {
    process.stdout.write(`server: pid ${serverPid}, listening on port ${targets[0]!.port}\n`);
  }
  let result;
  try {
    result = await runBench({
      targets,
      wire,
      clients: number('clients', values.clients, 10, 1),
      senders: number('senders', values.senders, 1),
      rate: number('rate', values.rate, 0),
      window: number('window', values.window, 64, 1),
      ...(values.batch ? { batch: number('batch', values.batch, 1, 1) } : {}),
      durationMs: number('duration', values.duration, 10) * 1000,
      warmupMs: number('warmup', values.warmup, 1) * 1000,
      msgSize: number('msg-size', values['msg-size'], 64, 1),
      idle,
      ...(serverPid !== undefined ? { serverPid } : {}),
      ...(values.workers ? { workers: number('workers', values.workers, 1, 1) } : {}),
      ...(values['connect-concurrency']
        ? { connectConcurrency: number('connect-concurrency', values['connect-concurrency'], 1, 1) }
        : {}),
      spreadSources: !values['no-spread'],
      ...(caps ? { caps } : {}),
    });
  } catch (err) {
    if (err instanceof BenchError) throw new CliError(err.message);
    throw err;
  }
  if (!values.json) process.stdout.write(formatResult(result) + '\n');
  process.stdout.write(JSON.stringify(result) + '\n');
  const n = result.numbering;
  const numberingFailed =
    n !== undefined &&
    (n.seqOutOfOrder > 0 || (result.caps!.granted.includes('history') && n.unnumbered > 0));
  return result.lost === 0 && result.outOfOrder === 0 && !numberingFailed ? 0 : 1;
}
