/**
 * Codec micro-benchmarks: how fast the decoder takes requests apart and the encoder builds
 * messages, in MB/s and messages/s. `npm run bench -- --only codec`.
 */
import { FrameDecoder } from '../src/protocol/decoder.js';
import { encode } from '../src/protocol/encode.js';

export interface CodecResult {
  name: string;
  mbPerSec: number;
  msgsPerSec: number;
}

function measure(
  name: string,
  bytesPerRound: number,
  msgsPerRound: number,
  round: () => void,
): CodecResult {
  // Warm up, then run for about a second.
  for (let i = 0; i < 20; i++) round();
  let rounds = 0;
  const start = performance.now();
  while (performance.now() - start < 1000) {
    round();
    rounds++;
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    name,
    mbPerSec: Math.round((rounds * bytesPerRound) / seconds / 1e5) / 10,
    msgsPerSec: Math.round((rounds * msgsPerRound) / seconds),
  };
}

/** Runs every codec benchmark. */
export function runCodecBenchmarks(): CodecResult[] {
  const results: CodecResult[] = [];
  const count = 1000;
  const chat = (i: number) =>
    JSON.stringify({ cmd: '7', msg: `message number ${i} with some text, 안녕` });
  const lines = Buffer.from(Array.from({ length: count }, (_, i) => chat(i) + '\n').join(''));
  const bare = Buffer.from(Array.from({ length: count }, (_, i) => chat(i)).join(''));
  const limits = { maxFrameBytes: 65536, maxDepth: 32 };
  let sink = 0;
  const decoder = new FrameDecoder(limits, { frame: () => sink++, error: () => sink-- });
  results.push(
    measure('decode, newline-delimited, 64 KiB chunks', lines.length, count, () => {
      for (let at = 0; at < lines.length; at += 65536) decoder.push(lines.subarray(at, at + 65536));
    }),
  );
  results.push(
    measure('decode, back to back (seed client)', bare.length, count, () => decoder.push(bare)),
  );
  const small = Array.from({ length: 64 }, (_, i) => lines.subarray(i * 60, i * 60 + 60));
  results.push(
    measure('decode, 60-byte chunks', 64 * 60, (64 * 60) / (lines.length / count), () => {
      for (const chunk of small) decoder.push(chunk);
    }),
  );
  const messages = Array.from({ length: count }, (_, i) => ({
    cmd: '70',
    from: 'someone',
    msg: `message number ${i} with some text, 안녕`,
  }));
  const encodedBytes = messages.reduce((n, m) => n + Buffer.byteLength(encode(m)), 0);
  results.push(
    measure('encode a chat to a Buffer', encodedBytes, count, () => {
      for (const m of messages) sink += Buffer.from(encode(m)).length;
    }),
  );
  if (sink === -1) throw new Error('unreachable'); // keeps the work observable
  return results;
}
