/** The markdown report of a chaos run. */
import os from 'node:os';
import type { ChaosResult, FaultRecord } from './chaos.js';
import { FAULT_KINDS } from './faults.js';

/** At most this many violations are listed one by one (all are counted). */
const MAX_LISTED = 60;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const ms = (v: number) => (Number.isNaN(v) ? '-' : `${Math.round(v)} ms`);

/** Renders `result` as markdown. */
export function renderReport(result: ChaosResult): string {
  const f = result.findings;
  const lines: string[] = [];
  lines.push('# Natter chaos run', '');
  lines.push(`- seed: ${result.seed} (repeat: \`npm run chaos -- --seed ${result.seed}\`)`);
  lines.push(`- duration: ${(result.durationMs / 1000).toFixed(1)} s`);
  lines.push(
    `- machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
      `${os.platform()} ${os.release()}, node ${process.version}`,
  );
  lines.push(`- key prefix: ${result.prefix}; node logs: ${result.logDir}`);
  lines.push(
    `- result: **${result.violations.length === 0 ? 'PASS' : `FAIL (${result.violations.length} violations)`}**`,
  );
  lines.push('', '## Faults', '');
  lines.push('| fault | injected | survived (consistent in bound) | consistency median | max |');
  lines.push('|---|---|---|---|---|');
  const rows: [string, FaultRecord[]][] = [
    ['(start)', [result.initial]],
    ...FAULT_KINDS.map(
      (k) => [k, result.faults.filter((x) => x.kind === k)] as [string, FaultRecord[]],
    ),
  ];
  for (const [kind, recs] of rows) {
    const times = recs.map((r) => r.convergeMs);
    const ok = recs.filter((r) => r.converged).length;
    lines.push(
      `| ${kind} | ${recs.length} | ${ok} | ${ms(median(times))} | ${ms(times.length ? Math.max(...times) : NaN)} |`,
    );
  }
  const survived = result.faults.filter((r) => r.converged).length;
  lines.push('', `Faults survived: ${survived} of ${result.faults.length}.`, '');
  lines.push('## Traffic', '');
  lines.push(
    `- chats sent: ${f.chatsSent}, acknowledged (71): ${f.chatsAcked}, refused (923): ${f.chatsRefused}`,
  );
  lines.push(
    `- deliveries checked: ${f.deliveriesChecked} (excused: by a gap event ${f.deliveriesByGap}, ` +
      `by the receiver's 925 ${f.deliveriesBy925})`,
  );
  lines.push(`- gap events (73) seen: ${f.gapEvents}`);
  lines.push(
    `- connects (03): ${f.connects}, reconnects: ${f.reconnects}, 925s: ${f.unreachable925} ` +
      `(${f.quick925} of them within 1 s of the member's 03)`,
  );
  const errors = Object.entries(f.errors)
    .sort()
    .map(([c, n]) => `${c} x${n}`)
    .join(', ');
  lines.push(`- error frames: ${errors || 'none'}`);
  lines.push(
    `- Redis after every client left: ${result.redisClean.ok ? `clean after ${ms(result.redisClean.ms)}` : `NOT clean: ${result.redisClean.left}`}`,
  );
  if (result.startRetries) lines.push(`- process start retries: ${result.startRetries}`);
  if (f.excused.length) {
    lines.push('', 'Deliveries excused by a 925 (a sample):', '');
    for (const e of f.excused) lines.push(`- ${e}`);
  }
  lines.push('', '## Fault log', '');
  for (const r of result.faults)
    lines.push(
      `- ${r.at.toFixed(2)} s: ${r.what}: ${r.converged ? `consistent after ${ms(r.convergeMs)}` : `NOT consistent: ${r.diff}`}`,
    );
  lines.push('', '## Violations', '');
  if (result.violations.length === 0) lines.push('None.');
  const byKind = new Map<string, number>();
  for (const v of result.violations) {
    const kind = v.split(':')[0]!;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  for (const [kind, n] of byKind) lines.push(`- ${kind}: ${n}`);
  if (result.violations.length) lines.push('');
  for (const v of result.violations.slice(0, MAX_LISTED)) lines.push(`1. ${v}`);
  if (result.violations.length > MAX_LISTED)
    lines.push(`\n(${result.violations.length - MAX_LISTED} more not listed)`);
  return lines.join('\n') + '\n';
}
