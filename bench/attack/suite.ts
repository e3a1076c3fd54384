/**
 * The attack suite: a fresh server as a child process, three canaries chatting throughout, and
 * each attack in turn, with the canaries' loss and latency and the server's memory and
 * descriptors before, at the peak and after. SIGTERM under load comes last.
 */
import { performance } from 'node:perf_hooks';
import { openFds, rssMiB, startServer } from '../soak-wire.js';
import { Canaries, type CanaryWindow } from './canaries.js';
import { Attacker, addressAllocator, sleep, type AttackEnv } from './clients.js';
import { CONNECTION_ATTACKS, type Attack } from './connection-attacks.js';
import { INPUT_ATTACKS } from './input-attacks.js';

/** Every attack, in the order they run (SIGTERM under load follows them). */
export const ATTACKS: readonly Attack[] = [...CONNECTION_ATTACKS, ...INPUT_ATTACKS];

/** The server's resources at one moment. */
export interface Resources {
  rssMiB: number;
  fds: number;
}

/** One attack's outcome. */
export interface AttackResult {
  name: string;
  rule: string;
  seconds: number;
  canaries: CanaryWindow;
  before: Resources;
  peak: Resources;
  after: Resources;
  /** Broken rules; empty when the attack passed. */
  problems: string[];
}

export interface SuiteOptions {
  short: boolean;
  /** Runs only the attacks whose name contains this. */
  only?: string;
  /** More arguments for `natter serve`, after {@link SERVER_FLAGS}. */
  serverArgs?: string[];
  log?: (line: string) => void;
}

/** The server's flags: no exemptions, short timeouts so that attacks end quickly. */
export const SERVER_FLAGS = [
  '--host',
  '127.0.0.1',
  '--port',
  '0',
  '--max-users',
  '20000',
  '--exempt-address',
  '', // the canaries and the attackers all live under the same rules
  '--registration-timeout-ms',
  '2000',
  '--drain-timeout-ms',
  '2000',
  '--max-queue-bytes',
  String(256 * 1024),
  '--log-level',
  'info',
];

/** How far above its level before the attack a server may stay once the attack is over. */
export const RSS_SLACK_MIB = 24;
/**
 * How long the server is left idle after the last attack (it releases memory after two idle
 * looks 5 s apart), and how close it must come back.
 */
const IDLE_WAIT_MS = 20_000;
const IDLE_SLACK_MIB = 16;

/** The server's resources now; NaN when it has gone (the report then shows that). */
function sample(pid: number): Resources {
  try {
    return { rssMiB: rssMiB(pid), fds: openFds(pid) };
  } catch {
    return { rssMiB: NaN, fds: NaN };
  }
}

/**
 * Waits until the server is back where it was: descriptors at most 2 above `before` and RSS at
 * most {@link RSS_SLACK_MIB} above, for up to `ms`; returns the last sample.
 */
async function settle(pid: number, before: Resources, ms: number): Promise<Resources> {
  const deadline = Date.now() + ms;
  let now = sample(pid);
  while (Date.now() < deadline) {
    if (now.fds <= before.fds + 2 && now.rssMiB <= before.rssMiB + RSS_SLACK_MIB) break;
    await sleep(250);
    now = sample(pid);
  }
  return now;
}

/** Runs the suite; resolves with one result per attack. */
export async function runAttacks(options: SuiteOptions): Promise<AttackResult[]> {
  const log = options.log ?? (() => undefined);
  const { child, port } = await startServer([...SERVER_FLAGS, ...(options.serverArgs ?? [])]);
  const pid = child.pid!;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const canaries = new Canaries(port);
  const results: AttackResult[] = [];
  try {
    await canaries.start();
    await sleep(500);
    const env: AttackEnv = { port, short: options.short, address: addressAllocator() };
    const chosen = ATTACKS.filter((a) => !options.only || a.name.includes(options.only));
    for (const attack of chosen) {
      log(`attack: ${attack.name}`);
      const result = await runOne(attack, env, pid, canaries, options.short);
      results.push(result);
      log(`  ${result.problems.length === 0 ? 'pass' : `FAIL: ${result.problems.join('; ')}`}`);
      if (!canaries.alive()) break;
    }
    if (!options.only && canaries.alive()) {
      results.push(await idleAfterwards(pid, results, options.short));
    }
    if (!options.only || 'SIGTERM under load'.includes(options.only)) {
      log('attack: SIGTERM under load');
      results.push(await sigtermUnderLoad(env, pid, canaries, exited));
      log(`  ${results[results.length - 1]!.problems.length === 0 ? 'pass' : 'FAIL'}`);
    }
  } finally {
    canaries.stop(false);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  return results;
}

/** The least time the canaries are watched for during an attack, however quick it is. */
const MIN_WINDOW_MS = 1000;

/** One attack: its setup, the canaries' window around it, the server's resources, the rules. */
async function runOne(
  attack: Attack,
  env: AttackEnv,
  pid: number,
  canaries: Canaries,
  short: boolean,
): Promise<AttackResult> {
  await attack.setup?.(env);
  const before = sample(pid);
  const peak = { ...before };
  const sampler = setInterval(() => {
    const now = sample(pid);
    peak.rssMiB = Math.max(peak.rssMiB, now.rssMiB);
    peak.fds = Math.max(peak.fds, now.fds);
  }, 50);
  try {
    canaries.begin();
    const started = performance.now();
    let problems: string[];
    try {
      problems = await attack.run(env, canaries);
    } catch (error) {
      problems = [`the attack failed: ${(error as Error).message}`];
    }
    const seconds = (performance.now() - started) / 1000;
    await sleep(MIN_WINDOW_MS - (performance.now() - started));
    const window = await canaries.end();
    await attack.teardown?.();
    const after = await settle(pid, before, short ? 5000 : 15_000);
    problems.push(...canaryProblems(window, true));
    if (Number.isNaN(after.fds)) problems.push('the server is gone');
    if (after.fds > before.fds + 2) problems.push(`${after.fds - before.fds} descriptors kept`);
    if (!short && after.rssMiB > before.rssMiB + RSS_SLACK_MIB) {
      problems.push(`RSS stayed ${(after.rssMiB - before.rssMiB).toFixed(0)} MiB up`);
    }
    return { ...attack, seconds, canaries: window, before, peak, after, problems };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * Once every attack is over and the server idle, its memory and descriptors must be back near
 * where they were before the first attack: nothing is kept at a high-water mark.
 */
async function idleAfterwards(
  pid: number,
  results: AttackResult[],
  short: boolean,
): Promise<AttackResult> {
  const before = results[0]!.before;
  const peak = {
    rssMiB: Math.max(...results.map((r) => r.peak.rssMiB)),
    fds: Math.max(...results.map((r) => r.peak.fds)),
  };
  const started = performance.now();
  await sleep(IDLE_WAIT_MS);
  const after = sample(pid);
  const problems: string[] = [];
  if (after.fds > before.fds + 2) problems.push(`${after.fds - before.fds} descriptors kept`);
  // Memory is a measurement, not a test: the short run (npm test) checks descriptors only.
  if (!short && after.rssMiB > before.rssMiB + IDLE_SLACK_MIB) {
    problems.push(`RSS stayed ${(after.rssMiB - before.rssMiB).toFixed(0)} MiB up`);
  }
  const none = { sent: 0, acknowledged: 0, lost: 0, unanswered: 0, refused: 0 };
  const latency = { p50: 0, p99: 0, max: 0 };
  return {
    name: 'idle after the attacks',
    rule: `${IDLE_WAIT_MS / 1000} s later, RSS within ${IDLE_SLACK_MIB} MiB of where it was before the first attack, and as many descriptors`,
    seconds: (performance.now() - started) / 1000,
    canaries: { ...none, ...latency, disconnected: [] },
    before,
    peak,
    after,
    problems,
  };
}

function canaryProblems(window: CanaryWindow, countUnanswered: boolean): string[] {
  const problems: string[] = [];
  if (window.sent === 0) problems.push('the canaries sent nothing during the attack');
  if (window.lost > 0) problems.push(`canaries lost ${window.lost} chats`);
  if (countUnanswered && window.unanswered > 0) {
    problems.push(`${window.unanswered} canary chats unanswered`);
  }
  if (countUnanswered && window.refused > 0) {
    problems.push(`${window.refused} canary chats refused`);
  }
  if (window.disconnected.length > 0) problems.push(`${window.disconnected} disconnected`);
  return problems;
}

/**
 * Ten members chat at 15 a second beside the canaries; after 2 s the server gets SIGTERM. It must
 * exit cleanly within its grace period, and every chat it acknowledged to a canary must have
 * reached the other canaries before their connections closed.
 */
async function sigtermUnderLoad(
  env: AttackEnv,
  pid: number,
  canaries: Canaries,
  exited: Promise<number | null>,
): Promise<AttackResult> {
  const before = sample(pid);
  const talkers = await Promise.all(
    Array.from({ length: 10 }, async (_, i) => {
      const a = new Attacker(env.port, env.address());
      await a.join(`loader${i}`);
      return a;
    }),
  );
  const timer = setInterval(() => {
    for (const t of talkers) t.wire.send({ cmd: '7', msg: 'load '.repeat(200) });
  }, 1000 / 15);
  canaries.begin();
  const started = performance.now();
  await sleep(2000);
  const peak = sample(pid);
  process.kill(pid, 'SIGTERM');
  const code = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)]);
  clearInterval(timer);
  canaries.stop(false);
  const window = await canaries.end(200, true);
  const problems = canaryProblems({ ...window, disconnected: [] }, false);
  if (code !== 0) problems.push(`the server ended with ${code}, not 0 within 10 s`);
  for (const t of talkers) t.close();
  return {
    name: 'SIGTERM under load',
    rule: 'a clean exit within the grace period; every acknowledged chat delivered first',
    seconds: (performance.now() - started) / 1000,
    canaries: window,
    before,
    peak,
    after: { rssMiB: 0, fds: 0 },
    problems,
  };
}
