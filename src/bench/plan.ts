/** What the benchmark's coordinator tells each worker thread, and what the workers report. */

export interface Target {
  readonly host: string;
  readonly port: number;
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
}

/** Coordinator -> worker. */
export type ToWorker =
  | { type: 'start'; warmupEnd: number; stop: number }
  | { type: 'expect'; sent: number[] }
  | { type: 'close' };

/** Worker -> coordinator. */
export type FromWorker =
  | { type: 'joined'; connectMicros: number[]; failures: string[] }
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
}
