/**
 * Hostile input for the fuzz test and the soak run: random and mutated request frames, from a
 * seeded generator so a failing run can be replayed.
 */

/** A small, fast, seedable PRNG (mulberry32); returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;

const pick = <T>(rand: Random, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const int = (rand: Random, max: number): number => Math.floor(rand() * max);

const CMDS = [
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '11',
  '12',
  '13',
  '8',
  '70',
  '99',
  '',
  '00',
  '٣',
];
const FIELD_VALUES: unknown[] = [
  'x',
  '',
  '안녕',
  'i hate professor',
  ' spaced name ',
  '\u0000\u001b[2J',
  '\ud800',
  0,
  -1,
  1e308,
  null,
  true,
  [],
  {},
  ['a'],
  { __proto__: { polluted: true } },
  'y'.repeat(300),
];
const FIELDS = [
  'nickname',
  'to',
  'msg',
  'newNickname',
  'beginTime',
  'room',
  'caps',
  'id',
  'heartbeatMs',
  '__proto__',
  'constructor',
];

/** A request-shaped object with random, often wrong, fields. */
function randomRequest(rand: Random): Record<string, unknown> {
  const request: Record<string, unknown> = {};
  if (rand() < 0.9) request.cmd = pick(rand, CMDS);
  const n = int(rand, 4);
  for (let i = 0; i < n; i++) {
    Object.defineProperty(request, pick(rand, FIELDS), {
      value: pick(rand, FIELD_VALUES),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return request;
}

/** Damages encoded bytes: flips, cuts, inserts structural or invalid bytes. */
function mutate(rand: Random, bytes: Uint8Array): Uint8Array {
  const out = [...bytes];
  const edits = 1 + int(rand, 4);
  for (let i = 0; i < edits; i++) {
    const at = int(rand, out.length + 1);
    switch (int(rand, 6)) {
      case 0:
        if (out.length > 0) out[Math.min(at, out.length - 1)] = int(rand, 256);
        break;
      case 1:
        out.splice(at, 1 + int(rand, 8));
        break;
      case 2:
        out.splice(at, 0, pick(rand, [0x7b, 0x7d, 0x5b, 0x5d, 0x22, 0x5c, 0x0a, 0x00]));
        break;
      case 3:
        out.splice(at, 0, ...pick(rand, [[0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80], [0xe2, 0x82]]));
        break;
      case 4:
        out.length = at; // truncated: the rest arrives as the next frame's prefix, or never
        break;
      default:
        out.splice(at, 0, ...out.slice(0, int(rand, out.length + 1)));
    }
  }
  return Uint8Array.from(out);
}

const encoder = new TextEncoder();

/**
 * One piece of hostile input: a well-formed but nonsensical request, a damaged one, deep
 * nesting, an oversized frame, or raw noise.
 */
export function hostileFrame(rand: Random): Uint8Array {
  const roll = rand();
  if (roll < 0.35)
    return encoder.encode(JSON.stringify(randomRequest(rand)) + (rand() < 0.5 ? '\n' : ''));
  if (roll < 0.7) return mutate(rand, encoder.encode(JSON.stringify(randomRequest(rand))));
  if (roll < 0.8) {
    const depth = 10 + int(rand, 200);
    return encoder.encode(`{"cmd":"6","beginTime":${'['.repeat(depth)}${']'.repeat(depth)}}`);
  }
  if (roll < 0.83)
    return encoder.encode(`{"cmd":"7","msg":"${'z'.repeat(70_000 + int(rand, 10_000))}"}`);
  const noise = new Uint8Array(1 + int(rand, 200));
  for (let i = 0; i < noise.length; i++) noise[i] = int(rand, 256);
  return noise;
}

/** Splits bytes into random chunks, as a network might. */
export function randomChunks(rand: Random, bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let from = 0;
  while (from < bytes.length) {
    const size = rand() < 0.3 ? 1 : 1 + int(rand, bytes.length);
    chunks.push(bytes.subarray(from, from + size));
    from += size;
  }
  return chunks;
}
