import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newClient, type Client } from '../../src/bench/connect.js';
import { HEADER_BYTES, nowMicros } from '../../src/bench/payload.js';
import type { ClientPlan } from '../../src/bench/plan.js';
import { Receiver } from '../../src/bench/receiver.js';
import { encode, withSeq } from '../../src/protocol/encode.js';

const MSG_SIZE = 64;
const SENDERS = 3;

/** A chat's text as `natter bench` writes it: its header, then padding to MSG_SIZE. */
function text(sender: number, n: number, sentAt: number): string {
  const pad = (v: number, width: number) => String(v).padStart(width, '0');
  const header = `~${pad(sender, 4)}:${pad(n, 10)}:${pad(sentAt, 14)}:`;
  assert.equal(header.length, HEADER_BYTES);
  return header + 'x'.repeat(MSG_SIZE - HEADER_BYTES);
}

/** The `70` a seed client gets, as the server encodes it. */
function seedFrame(sender: number, n: number, sentAt: number): Buffer {
  return Buffer.from(encode({ cmd: '70', from: `bq${sender}`, msg: text(sender, n, sentAt) }));
}

/** The `70` a history client gets: the seed's frame with seq and ts (rule 12.2). */
function numberedFrame(sender: number, n: number, sentAt: number, seq: number): Buffer {
  return withSeq(seedFrame(sender, n, sentAt), seq, 1_796_073_988_031 + seq);
}

function client(sender = -1): Client {
  const plan: ClientPlan = {
    index: 9,
    nickname: 'bq00009',
    localAddress: undefined,
    sender,
    target: 0,
  };
  return newClient(plan, SENDERS, Receiver.partialBytes({ textBytes: MSG_SIZE }));
}

function numberedReceiver(): Receiver {
  const receiver = new Receiver(SENDERS, [], undefined, { textBytes: MSG_SIZE });
  receiver.windowStart = 0;
  receiver.windowEnd = Infinity;
  return receiver;
}

/** Feeds `bytes` to a fresh receiver and client, cut into the given pieces' lengths. */
function feed(bytes: Buffer, cuts: number[], receiver = numberedReceiver(), c = client()) {
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut <= at) continue;
    // A copy: a read buffer is reused once handled.
    receiver.onData(c, Buffer.from(bytes.subarray(at, cut)));
    at = cut;
  }
  return { receiver, stats: receiver.stats(0, 0), client: c };
}

describe('the load generator’s receiver', () => {
  it('reads numbered deliveries cut anywhere: counts, order, seq and ts', () => {
    const sentAt = nowMicros() - 2000;
    const frames: Buffer[] = [];
    // Three senders, interleaved as a room orders them; the room's seq rises by one each.
    for (let i = 0; i < 6; i++) frames.push(numberedFrame(i % 3, Math.floor(i / 3), sentAt, i + 1));
    const bytes = Buffer.concat(frames);
    for (let one = 0; one <= bytes.length; one++) {
      for (const two of [one + 1, one + 7, one + 150]) {
        const { stats, client: c } = feed(bytes, [one, two]);
        assert.equal(stats.received, 6, `cut at ${one} and ${two}`);
        assert.equal(stats.outOfOrder, 0);
        assert.deepEqual(stats.numbering, {
          numbered: 6,
          unnumbered: 0,
          seqOutOfOrder: 0,
          seqSkipped: 0,
        });
        assert.equal(c.roomSeq, 6);
      }
    }
    const { receiver } = feed(bytes, []);
    // Every delivery's latency is measured from its header's send time: about 2 ms.
    assert.equal(receiver.histogram.count, 6);
    assert.ok(receiver.histogram.quantile(0.5) >= 2000);
    // Byte by byte.
    const single = feed(
      bytes,
      Array.from({ length: bytes.length }, (_, i) => i),
    );
    assert.equal(single.stats.numbering!.numbered, 6);
  });

  it('counts a delivery without seq and ts, or with a broken one, as unnumbered', () => {
    const seed = seedFrame(1, 0, 5);
    const noTs = Buffer.from(
      seedFrame(1, 1, 5).toString().replace('"}\n', '","seq":7}\n'),
      'latin1',
    );
    const letters = Buffer.from(
      seedFrame(1, 2, 5).toString().replace('"}\n', '","seq":x1,"ts":2}\n'),
      'latin1',
    );
    const bytes = Buffer.concat([seed, noTs, letters, numberedFrame(1, 3, 5, 9)]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { stats } = feed(bytes, [cut]);
      assert.equal(stats.received, 4, `cut at ${cut}`);
      assert.equal(stats.outOfOrder, 0);
      assert.deepEqual(stats.numbering, {
        numbered: 1,
        unnumbered: 3,
        seqOutOfOrder: 0,
        seqSkipped: 0,
      });
    }
  });

  it('tells a room seq that goes back, and the seqs a receiver never saw', () => {
    const bytes = Buffer.concat([
      numberedFrame(0, 0, 5, 10),
      numberedFrame(1, 0, 5, 11),
      // Two seqs skipped: lost chats, for a client that sends nothing.
      numberedFrame(2, 0, 5, 14),
      // Back: out of the room's order (each sender's own order is kept).
      numberedFrame(0, 1, 5, 12),
      numberedFrame(1, 1, 5, 15),
    ]);
    const receiver = feed(bytes, [100]);
    assert.equal(receiver.stats.outOfOrder, 0);
    assert.deepEqual(receiver.stats.numbering, {
      numbered: 5,
      unnumbered: 0,
      seqOutOfOrder: 1,
      seqSkipped: 2,
    });
    // A sender's own chats are holes in what it is delivered: not counted as skipped.
    const sender = feed(bytes, [], numberedReceiver(), client(0));
    assert.equal(sender.stats.numbering!.seqSkipped, 0);
    assert.equal(sender.stats.numbering!.seqOutOfOrder, 1);
  });

  it('without numbering reads only the header, as before, cut anywhere', () => {
    const bytes = Buffer.concat([
      seedFrame(0, 0, 5),
      numberedFrame(1, 0, 5, 1),
      seedFrame(0, 1, 5),
      seedFrame(1, 1, 5),
    ]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const receiver = new Receiver(SENDERS, [], undefined);
      const c = newClient(
        { index: 1, nickname: 'bq00001', localAddress: undefined, sender: -1, target: 0 },
        SENDERS,
      );
      assert.equal(c.partial.length, HEADER_BYTES);
      const { stats } = feed(bytes, [cut], receiver, c);
      assert.equal(stats.received, 4, `cut at ${cut}`);
      assert.equal(stats.outOfOrder, 0);
      assert.equal(stats.numbering, undefined);
    }
  });

  it('keeps up with a run of many numbered deliveries in large chunks', () => {
    const frames: Buffer[] = [];
    for (let i = 0; i < 3000; i++) frames.push(numberedFrame(i % 3, Math.floor(i / 3), 5, i + 1));
    const bytes = Buffer.concat(frames);
    const cuts = [];
    for (let at = 4093; at < bytes.length; at += 4093) cuts.push(at);
    const { stats } = feed(bytes, cuts);
    assert.equal(stats.received, 3000);
    assert.equal(stats.lost, 0);
    assert.equal(stats.numbering!.numbered, 3000);
    assert.equal(stats.numbering!.seqSkipped, 0);
  });
});
