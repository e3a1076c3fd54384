/**
 * One chaos run: starts the cluster and the clients, injects faults one at a time from the
 * seeded schedule, waits for consistency after each, drains, makes every client leave, checks
 * that Redis is clean, and analyses the journals. The CLI (run.ts) and the test both call
 * {@link runChaos}; it always stops what it started, whatever happens.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Canary, LOBBY, SIDE_ROOM, type CanaryEnv } from './canaries.js';
import { ChaosCluster } from './cluster.js';
import { converge, redisClean } from './consistency.js';
import { prng } from '../hostile.js';
import { FaultPlan, between, describeFault, inject, type FaultKind } from './faults.js';
import { analyse, type Findings } from './invariants.js';
import { now } from './journal.js';

/** How a run is shaped. */
export interface ChaosOptions {
  /** Faults are injected until this much time has passed (then the run drains and ends). */
  durationMs: number;
  seed: number;
  nodes?: number;
  /** Active canaries per node. */
  canariesPerNode?: number;
  /** The bound on consistency after each fault. */
  convergeMs?: number;
  /** Progress lines (the CLI prints them on stderr). */
  log?: (line: string) => void;
}

/** What happened to one fault. */
export interface FaultRecord {
  kind: FaultKind;
  what: string;
  /** Seconds into the run when it was injected. */
  at: number;
  converged: boolean;
  /** From the heal to consistency (or to the bound). */
  convergeMs: number;
  diff: string;
}

/** Everything the report needs. */
export interface ChaosResult {
  seed: number;
  durationMs: number;
  prefix: string;
  logDir: string;
  faults: FaultRecord[];
  /** Consistency of the cluster before the first fault. */
  initial: FaultRecord;
  redisClean: { ok: boolean; ms: number; left: string };
  findings: Findings;
  startRetries: number;
  /** Every violation: the live checks' and the journals'. */
  violations: string[];
}

/** Runs the chaos test; never throws for a broken invariant (see `violations`), only for setup. */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? (() => undefined);
  const nodes = options.nodes ?? 3;
  const convergeMs = options.convergeMs ?? 20_000;
  const rng = prng(options.seed);
  const clientRng = prng(options.seed ^ 0x5bd1e995); // separate, so faults stay reproducible
  const prefix = `chaos-${options.seed}-${randomBytes(3).toString('hex')}`;
  const logDir = join(tmpdir(), `natter-${prefix}`);
  const t0 = now();
  const at = () => Number(((now() - t0) / 1000).toFixed(2));
  const cluster = await ChaosCluster.start({ nodes, prefix, logDir });
  log(`cluster up: redis ${cluster.redisPort}, logs in ${logDir}`);

  let frozen = false;
  let quiet = false;
  let stopped = false;
  const env: CanaryEnv = {
    port: (i) => cluster.nodePort(i),
    rng: clientRng,
    frozen: () => frozen,
    quiet: () => quiet,
    stopped: () => stopped,
  };
  const active: Canary[] = [];
  const observers = new Map<string, Canary[]>([
    [LOBBY, []],
    [SIDE_ROOM, []],
  ]);
  for (let n = 0; n < nodes; n++) {
    for (let k = 0; k < (options.canariesPerNode ?? 4); k++)
      active.push(new Canary(`n${n}c${k}`, n, false, LOBBY, env));
    observers.get(LOBBY)!.push(new Canary(`n${n}lobby`, n, true, LOBBY, env));
    observers.get(SIDE_ROOM)!.push(new Canary(`n${n}side`, n, true, SIDE_ROOM, env));
  }
  const all = [...active, ...observers.get(LOBBY)!, ...observers.get(SIDE_ROOM)!];
  const violations: string[] = [];
  const faults: FaultRecord[] = [];
  const check = async (kind: FaultKind | 'start', what: string, injected: number) => {
    frozen = true;
    const c = await converge(all, observers, convergeMs);
    frozen = false;
    const record = { kind, what, at: injected, converged: c.ok, convergeMs: c.ms, diff: c.diff };
    if (!c.ok)
      violations.push(
        `no consistency within ${convergeMs} ms after ${what} (at ${injected} s): ${c.diff}`,
      );
    log(
      `${at()} s: ${what}: ${c.ok ? `consistent after ${Math.round(c.ms)} ms` : `NOT consistent: ${c.diff}`}`,
    );
    return record as FaultRecord;
  };

  let initial: FaultRecord | undefined;
  let clean = { ok: false, ms: 0, left: 'not checked' };
  try {
    for (const c of all) c.start();
    initial = await check('start', 'start', 0);
    const plan = new FaultPlan(rng, nodes);
    while (now() - t0 < options.durationMs) {
      const fault = plan.next();
      const injected = at();
      const what = describeFault(fault);
      log(`${injected} s: ${what}`);
      await inject(cluster, fault);
      faults.push(await check(fault.kind, what, injected));
      await sleep(between(rng, 1500, 4000)); // quiet: the cluster runs without a fault
    }
    // Drain: no more chats, so that the last ones are delivered before anyone leaves.
    quiet = true;
    frozen = true;
    await sleep(6000);
  } finally {
    stopped = true;
    await Promise.race([Promise.all(all.map((c) => c.finish())), sleep(15_000)]);
    clean = await redisClean(cluster.redisPort, prefix, 10_000).catch((err: Error) => ({
      ok: false,
      ms: 0,
      left: `check failed: ${err.message}`,
    }));
    await cluster.stop();
  }
  if (!clean.ok) violations.push(`Redis not clean 10 s after every client left: ${clean.left}`);
  // The journals, one record a line, for reading a violation in full (`who` names the client).
  const out = createWriteStream(join(logDir, 'journals.ndjson'));
  for (const c of all)
    for (const e of c.journal.entries)
      out.write(JSON.stringify({ who: c.who, ...e, t: (e.t - t0) / 1000 }) + '\n');
  await new Promise((resolve) => out.end(resolve));
  const findings = analyse(
    all.map((c) => c.journal),
    t0,
    now(),
  );
  return {
    seed: options.seed,
    durationMs: now() - t0,
    prefix,
    logDir,
    faults,
    initial: initial!,
    redisClean: clean,
    findings,
    startRetries: cluster.startRetries,
    violations: [...violations, ...findings.violations],
  };
}
