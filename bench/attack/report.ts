/** The attack suite's report: one Markdown table row per attack, the rules, what broke. */
import type { AttackResult } from './suite.js';

const mib = (v: number) => (v === 0 ? '-' : v.toFixed(0));

/** The report as a Markdown table, then the rules and any broken ones. */
export function formatAttacks(results: AttackResult[]): string {
  const lines = [
    '| attack | s | canary chats | lost | p99 ms | max ms | RSS MiB before / peak / after | fds before / peak / after | result |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const c = r.canaries;
    lines.push(
      `| ${r.name} | ${r.seconds.toFixed(1)} | ${c.acknowledged}/${c.sent} | ${c.lost} | ` +
        `${c.p99.toFixed(1)} | ${c.max.toFixed(1)} | ` +
        `${mib(r.before.rssMiB)} / ${mib(r.peak.rssMiB)} / ${mib(r.after.rssMiB)} | ` +
        `${r.before.fds} / ${r.peak.fds} / ${r.after.fds || '-'} | ` +
        `${r.problems.length === 0 ? 'pass' : 'FAIL'} |`,
    );
  }
  lines.push('', 'Rules:');
  for (const r of results) lines.push(`- ${r.name}: ${r.rule}.`);
  const failed = results.filter((r) => r.problems.length > 0);
  if (failed.length > 0) {
    lines.push('', 'Broken:');
    for (const r of failed) lines.push(`- ${r.name}: ${r.problems.join('; ')}`);
  }
  return lines.join('\n');
}
