/**
 * A benchmark worker thread: opens its share of the clients, joins them (connect.ts), sends chats
 * for its senders (pacer.ts) and counts what its receivers get (receiver.ts), as the coordinator
 * (run.ts) directs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { joinAll, newClient, type Client, type ClientEvents } from './connect.js';
import { Pacer } from './pacer.js';
import { nowMicros } from './payload.js';
import type { FromWorker, ToWorker, WorkerPlan } from './plan.js';
import { Receiver } from './receiver.js';

const plan = workerData as WorkerPlan;
const port = parentPort!;
const post = (message: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

// Clients that ask for history read each delivery's seq and ts as well.
const numbered = plan.caps?.includes('history') ? { textBytes: plan.msgSize } : undefined;
const clients: Client[] = plan.clients.map((p) =>
  newClient(p, plan.senders, Receiver.partialBytes(numbered)),
);
const pacer = new Pacer(plan, clients);
// At rate 0 a witness's receipt may open its sender's window again.
const receiver = new Receiver(
  plan.senders,
  pacer.bySlot,
  plan.rate === 0 ? () => pacer.pump() : undefined,
  numbered,
);
/** Connections the server closed while the run was on. */
let disconnects = 0;

const events: ClientEvents = {
  data: (client, chunk) => receiver.onData(client, chunk),
  close: (client) => {
    if (client.joined && !pacer.stopped) {
      client.closedByServer = true;
      disconnects++;
    }
  },
};

/** Waits for the last deliveries of what every sender sent, then reports the counts. */
function finish(sent: number[]): void {
  const expectedFor = (client: Client) => {
    let total = 0;
    for (let s = 0; s < sent.length; s++) if (s !== client.plan.sender) total += sent[s]!;
    return total;
  };
  let expected = 0;
  for (const client of clients) expected += expectedFor(client);
  // Wait for the last deliveries: until all expected arrived or nothing arrived for 2 s.
  let last = receiver.received;
  let quietSince = Date.now();
  const check = setInterval(() => {
    if (receiver.received !== last) {
      last = receiver.received;
      quietSince = Date.now();
    }
    if (receiver.received >= expected || Date.now() - quietSince > 2000) {
      clearInterval(check);
      const stats = receiver.stats(expected, disconnects);
      post({ type: 'done', stats }, [stats.latency.buffer as ArrayBuffer]);
    }
  }, 20);
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'start': {
      receiver.windowStart = message.warmupEnd;
      receiver.windowEnd = message.stop;
      const startedAt = nowMicros();
      pacer.start(startedAt);
      setTimeout(
        () => {
          pacer.stop();
          post({ type: 'sent', sent: pacer.sent() });
        },
        Math.max(0, (message.stop - startedAt) / 1000),
      );
      return;
    }
    case 'expect':
      return finish(message.sent);
    case 'close':
      for (const client of clients) client.socket?.destroy();
      port.close();
      return;
  }
});

joinAll(plan, clients, events)
  .then(({ connectMicros, failures, granted }) =>
    post({ type: 'joined', connectMicros, failures, granted }),
  )
  .catch((err: unknown) => post({ type: 'error', message: String(err) }));
