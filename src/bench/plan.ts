/** What the benchmark's coordinator tells each worker thread, and what the workers report. */

export interface Target {
  readonly host: string;
  readonly port: number;
}

/**
 * What the clients speak: `natter` is the chat protocol (NDJSON on a stream, or one JSON object
 * per WebSocket message at `/ws`); `socketio` is Socket.IO (Engine.IO v4 over a WebSocket at
 * `/socket.io/`) to a server of the shape of bench/socketio-server.ts.
 */
export interface Wire {
  readonly protocol: 'natter' | 'socketio';
  /** Over a WebSocket (always for Socket.IO). */
  readonly websocket: boolean;
  /** Over TLS; `ca` (PEM) to verify the server's certificate, or none to accept any. */
  readonly tls: false | { readonly ca?: string };
}

export const TCP: Wire = { protocol: 'natter', websocket: false, tls: false };

/** A wire's short name, as results and tables give it: tcp, tls, ws, wss, socketio. */
export function wireName(wire: Wire): string {
  if (wire.protocol === 'socketio') return wire.tls ? 'socketio-tls' : 'socketio';
  if (wire.websocket) return wire.tls ? 'wss' : 'ws';
  return wire.tls ? 'tls' : 'tcp';
}

export interface ClientPlan {
  /** Index among all clients; also the nickname's number. */
  readonly index: number;
  readonly nickname: string;
  /** Source address to bind, spread over 127.0.0.x so many connections do not exhaust ports. */
  readonly localAddress: string | undefined;
  /** Index among the senders, or -1 for a receiver only. */
  readonly sender: number;
  /** Which of the targets to connect to. */
  readonly target: number;
}

export interface WorkerPlan {
  readonly worker: number;
  readonly targets: readonly Target[];
  readonly wire: Wire;
  readonly clients: readonly ClientPlan[];
  readonly senders: number;
  /** Bytes of each chat's `msg`. */
  readonly msgSize: number;
  /** Chats per second per sender; 0 for as fast as the window allows. */
  readonly rate: number;
  /** Chats a sender may have in flight (sent, not yet seen by a receiver) at rate 0. */
  readonly window: number;
  /** Most chats written in one write; 1 writes each chat on its own, as a naive client does. */
  readonly batch: number;
  /** Connections opened at once while joining. */
  readonly connectConcurrency: number;
  /** A CONNECT that gets no answer within this many milliseconds fails the run. */
  readonly connectTimeoutMs: number;
  /**
   * Capabilities every client asks for in its CONNECT (rule 4.4); none: a seed client's CONNECT.
   * With `history` the receivers read each delivery's `seq` and `ts` too (receiver.ts).
   */
  readonly caps: readonly string[] | undefined;
}

/** Coordinator -> worker. */
export type ToWorker =
  | { type: 'start'; warmupEnd: number; stop: number }
  | { type: 'expect'; sent: number[] }
  | { type: 'close' };

/** Worker -> coordinator. */
export type FromWorker =
  | {
      type: 'joined';
      connectMicros: number[];
      failures: string[];
      /** What the server granted the worker's first client (its `03`), when it asked for any. */
      granted: string[] | undefined;
    }
  | { type: 'sent'; sent: [sender: number, count: number][] }
  | { type: 'done'; stats: WorkerStats }
  | { type: 'error'; message: string };

export interface WorkerStats {
  /** Deliveries that arrived inside the measurement window. */
  deliveriesInWindow: number;
  /** Every delivery received, warm-up and drain included. */
  received: number;
  /** Deliveries expected but never received. */
  lost: number;
  /** Deliveries that came before an earlier message of the same sender, or twice. */
  outOfOrder: number;
  /** Latency histogram counts for messages sent and received inside the window. */
  latency: Float64Array;
  latencyMax: number;
  /** Connections the server closed during the run. */
  disconnects: number;
  /** With the history capability asked for: what the receivers made of `seq` and `ts`. */
  numbering: Numbering | undefined;
}

/**
 * How numbered deliveries (rule 12.2: `seq` and `ts` on a `70`) came in, counted per receiving
 * client. A client sees its room's seqs rising: every chat but its own, in the room's one order.
 */
export interface Numbering {
  /** Deliveries that carried a `seq` and a `ts`. */
  numbered: number;
  /** Deliveries without them, or with one that is not a whole number. */
  unnumbered: number;
  /** Deliveries whose `seq` was not above the last one the same client saw. */
  seqOutOfOrder: number;
  /**
   * Seqs a client that sends nothing never saw, between its first numbered delivery and its
   * last: chats it lost, as the room's numbering tells (a sender's own chats are not counted).
   */
  seqSkipped: number;
}
