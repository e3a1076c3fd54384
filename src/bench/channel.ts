/** The coordinator's side of a benchmark worker thread: its messages, awaited by type. */
import type { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './plan.js';

type Reply<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

/** Messages from one worker, awaited by type; a worker error fails every wait. */
export class WorkerChannel {
  private readonly inbox: FromWorker[] = [];
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(private readonly worker: Worker) {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'error') this.failure = new Error(m.message);
      else this.inbox.push(m);
      this.waiter?.();
    });
    worker.on('error', (err) => {
      this.failure = err;
      this.waiter?.();
    });
    worker.on('exit', (code) => {
      this.failure ??= new Error(`worker exited with ${code}`);
      this.waiter?.();
    });
  }

  async next<T extends FromWorker['type']>(type: T): Promise<Reply<T>> {
    for (;;) {
      const index = this.inbox.findIndex((m) => m.type === type);
      if (index >= 0) return this.inbox.splice(index, 1)[0] as Reply<T>;
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  close(): void {
    this.send({ type: 'close' });
    setTimeout(() => void this.worker.terminate(), 2000).unref();
  }
}
