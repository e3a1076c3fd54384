/**
 * The banned-phrase filter's check (src/moderation/phrase-filter.ts) on chat lines: one phrase
 * (the seed's) against 1,000, and both against the scan the server did before it (the line
 * lower-cased, then one `includes` per phrase). Lines are about 64 bytes, made from a fixed seed:
 * one set all ASCII, one where every line has some non-ASCII (accents, Cyrillic, Korean, emoji).
 * Each figure is lines per second of this process's CPU time (so that other work on a shared
 * machine counts less), the median of several rounds; the methods take turns round by round, so
 * the machine's drift touches them alike. Every round is bounded in time and in passes.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/phrase-filter.js [--seconds 0.3] [--rounds 9]
 *
 * About 25 seconds with the defaults. Also printed: the best round's rate, which on a busy
 * machine says more of what the code costs than the median does.
 */
import { parseArgs } from 'node:util';
import { PhraseFilter } from '../src/moderation/phrase-filter.js';
import type { PhraseRule } from '../src/moderation/phrase-rules.js';
import { fixed, median, thousands } from './figures.js';

const LINES = 1000;
/** At most this many passes over the lines in one round, whatever the time. */
const MAX_PASSES = 20_000;

/** A small deterministic generator (mulberry32), so every run measures the same lines. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHAT_WORDS = (
  'hey hi so ok yes no lol the a to and is it in that for you we are was on with this be ' +
  'have what at but not just can if do my all will so get about like when up out time there ' +
  'meeting tomorrow lecture notes slides exam homework professor class room lunch coffee ' +
  'anyone know where the link is thanks see you later sounds good let me check brb'
).split(' ');
const NON_ASCII = ['café', 'naïve', 'привет', '안녕하세요', '😀', '日本語', 'Ελλάδα', '—', '…'];

function line(next: () => number, nonAscii: boolean): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const words: string[] = [];
  if (nonAscii) words.push(pick(NON_ASCII));
  while (Buffer.byteLength(words.join(' ')) < 64) words.push(pick(CHAT_WORDS));
  // Some capitals and punctuation, as people type.
  if (next() < 0.5) words[0] = words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1);
  const text = words.join(' ') + pick(['', '', '?', '!', '.', ' :)']);
  // Flat, as the server's decoder hands a message over (a concatenation is a rope until read).
  return JSON.parse(JSON.stringify(text)) as string;
}

/**
 * The seed's phrase and more of two or three words, each word a chat word or made up, so that
 * the automaton often gets a few letters deep in a line, as with a real list; a phrase made only
 * of chat words is left out (a list where most lines hit something measures the hits instead).
 */
function phrases(count: number): string[] {
  const next = random(7);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const madeUp = () =>
    Array.from({ length: 3 + Math.floor(next() * 6) }, () => letters[Math.floor(next() * 26)]);
  const list = ['i hate professor'];
  while (list.length < count) {
    const words = Array.from({ length: 2 + Math.floor(next() * 2) }, () =>
      next() < 0.5 ? CHAT_WORDS[Math.floor(next() * CHAT_WORDS.length)]! : madeUp().join(''),
    );
    if (words.some((word) => !CHAT_WORDS.includes(word))) list.push(words.join(' '));
  }
  return list;
}

interface Method {
  name: string;
  phrases: number;
  check: (text: string) => unknown;
}

/** The server's scan before the filter (policy.ts): lower case, then each phrase in turn. */
function substringScan(list: readonly string[]): (text: string) => unknown {
  return (text) => {
    const lower = text.toLowerCase();
    for (const phrase of list) if (lower.includes(phrase)) return phrase;
    return undefined;
  };
}

function filterCheck(list: readonly string[]): (text: string) => unknown {
  const rules: PhraseRule[] = list.map((phrase) => ({ phrase, action: 'disconnect' }));
  const filter = new PhraseFilter(rules);
  return (text) => filter.check(text);
}

/** The process's CPU time, in seconds: other work on the machine does not count. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Lines checked per second of CPU in one round of about `seconds`. */
function round(method: Method, lines: readonly string[], seconds: number): number {
  let found = 0;
  let passes = 0;
  const start = performance.now();
  const cpuStart = cpuSeconds();
  while (passes < MAX_PASSES && performance.now() - start < seconds * 1000) {
    for (const text of lines) if (method.check(text) !== undefined) found++;
    passes++;
  }
  const elapsed = cpuSeconds() - cpuStart;
  if (found < 0) throw new Error('unreachable'); // keeps the work observable
  return (passes * lines.length) / elapsed;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '0.3' },
      rounds: { type: 'string', default: '9' },
    },
  });
  const seconds = Math.min(Math.max(Number(values.seconds) || 0.3, 0.05), 10);
  const rounds = Math.min(Math.max(Math.floor(Number(values.rounds)) || 9, 1), 50);
  const one = phrases(1);
  const thousand = phrases(1000);
  const compileStart = performance.now();
  const methods: Method[] = [
    { name: 'filter (normalised, one pass)', phrases: 1, check: filterCheck(one) },
    { name: 'filter (normalised, one pass)', phrases: 1000, check: filterCheck(thousand) },
    { name: 'substring scan (before)', phrases: 1, check: substringScan(one) },
    { name: 'substring scan (before)', phrases: 1000, check: substringScan(thousand) },
  ];
  const compileMs = performance.now() - compileStart;
  const next = random(1);
  const sets: [string, string[]][] = [
    ['ASCII', Array.from({ length: LINES }, () => line(next, false))],
    ['non-ASCII', Array.from({ length: LINES }, () => line(next, true))],
  ];
  console.log(`node ${process.version}; ${rounds} rounds of ${seconds} s; lines like:`);
  for (const [, lines] of sets) console.log(`  ${JSON.stringify(lines[0])}`);
  console.log(`\nboth filters compiled in ${compileMs.toFixed(1)} ms\n`);
  const columns = ['lines', 'method', 'phrases', 'lines with a match', 'lines/s: median (best)'];
  columns.push('ns/line: median', 'vs filter, 1 phrase: median (best)');
  console.log(`| ${columns.join(' | ')} |`);
  console.log('|---|---|--:|--:|--:|--:|--:|');
  for (const [setName, lines] of sets) {
    for (const method of methods) round(method, lines, 0.1); // warm up
    const rates = methods.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) {
      methods.forEach((method, m) => rates[m]!.push(round(method, lines, seconds)));
    }
    const base = median(rates[0]!);
    const baseBest = Math.max(...rates[0]!);
    methods.forEach((method, m) => {
      const rate = median(rates[m]!);
      const best = Math.max(...rates[m]!);
      const hits = lines.filter((text) => method.check(text) !== undefined).length;
      const cells = [setName, method.name, thousands(method.phrases), `${hits}`];
      cells.push(`${thousands(rate)} (${thousands(best)})`, fixed(0)(1e9 / rate));
      cells.push(`${fixed(2)(rate / base)} (${fixed(2)(best / baseBest)})`);
      console.log(`| ${cells.join(' | ')} |`);
    });
  }
}

main();
