import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FrameDecoder } from '../../src/protocol/decoder.js';
import type { ErrorName } from '../../src/protocol/errors.js';

const LIMITS = { maxFrameBytes: 1 << 20, maxDepth: 64 };

function run(chunks: Uint8Array[], limits = LIMITS) {
  const frames: unknown[] = [];
  const errors: ErrorName[] = [];
  const decoder = new FrameDecoder(limits, {
    frame: (value) => frames.push(value),
    error: (name) => errors.push(name),
  });
  for (const chunk of chunks) decoder.push(chunk);
  return { frames, errors, leftover: decoder.end() };
}

/** Cuts `bytes` at the given positions (any order, duplicates allowed). */
function cut(bytes: Uint8Array, positions: number[]): Uint8Array[] {
  const points = [...new Set(positions.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

// Round-tripped through JSON, so the objects have the plain prototype JSON.parse gives.
const jsonObject = fc
  .dictionary(fc.string({ unit: 'binary' }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 })
  .map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);
const separator = fc.constantFrom('', '\n', '\r\n', ' ', '\t', '\n\n', ' \n ');

describe('FrameDecoder properties', () => {
  it('any objects, any separators, any split: the same objects, in order, no errors', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(jsonObject, separator), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.boolean(),
        (items, positions, pretty) => {
          const text = items
            .map(
              ([obj, sep]) => (pretty ? JSON.stringify(obj, null, 2) : JSON.stringify(obj)) + sep,
            )
            .join('');
          const bytes = new TextEncoder().encode(text);
          const result = run(cut(bytes, positions));
          assert.deepEqual(result.errors, []);
          assert.deepEqual(
            result.frames,
            items.map(([obj]) => obj),
          );
          assert.equal(result.leftover, 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes never throw, only yield objects or errors, and hold at most one frame', () => {
    const limits = { maxFrameBytes: 256, maxDepth: 8 };
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (bytes, positions) => {
          const result = run(cut(bytes, positions), limits);
          for (const frame of result.frames) {
            assert.ok(frame !== null && typeof frame === 'object' && !Array.isArray(frame));
          }
          assert.ok(result.leftover <= limits.maxFrameBytes);
          // Splitting differently never changes the outcome.
          assert.deepEqual(run([bytes], limits), result);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('recovers at the next line after garbage that opens no object', () => {
    fc.assert(
      fc.property(
        fc
          .uint8Array({ minLength: 1, maxLength: 200 })
          .map((b) => b.filter((x) => x !== 0x7b && x !== 0x0a)),
        jsonObject,
        (garbage, obj) => {
          const bytes = new Uint8Array([
            ...garbage,
            0x0a,
            ...new TextEncoder().encode(JSON.stringify(obj)),
          ]);
          const result = run([bytes]);
          assert.deepEqual(result.frames.at(-1), obj);
        },
      ),
      { numRuns: 300 },
    );
  });
});
