/** What a soak run found (bench/soak.ts), and its Markdown form for BENCHMARKS.md. */

export interface SoakReport {
  durationMs: number;
  seed: number;
  goodClients: number;
  sent: number;
  delivered: number;
  lost: number;
  outOfOrder: number;
  duplicated: number;
  /** Misbehaving connections opened, by kind of misbehaviour. */
  misbehaving: Record<string, number>;
  /** What the server told misbehaving clients, by error name, and how connections ended. */
  errors: Record<string, number>;
  rssPeakMiB: number;
  rssFinalMiB: number;
  fdsBefore: number;
  fdsAfter: number;
  /** The server still answered a fresh client at the end. */
  serverAlive: boolean;
}

/** The report as Markdown, for BENCHMARKS.md. */
export function formatReport(report: SoakReport): string {
  const rows = (record: Record<string, number>) =>
    Object.entries(record)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `| ${k} | ${v} |`)
      .join('\n');
  return [
    `Soak run: ${report.durationMs / 1000} s, seed ${report.seed}, ${report.goodClients} well-behaved clients.`,
    '',
    '| well-behaved clients | |',
    '|---|---|',
    `| messages sent | ${report.sent} |`,
    `| deliveries expected | ${report.delivered + report.lost} |`,
    `| delivered | ${report.delivered} |`,
    `| lost | ${report.lost} |`,
    `| out of order | ${report.outOfOrder} |`,
    `| duplicated | ${report.duplicated} |`,
    '',
    '| misbehaving connections | count |',
    '|---|---|',
    rows(report.misbehaving),
    '',
    '| what they got | count |',
    '|---|---|',
    rows(report.errors),
    '',
    '| server | |',
    '|---|---|',
    `| RSS peak / final | ${report.rssPeakMiB} MiB / ${report.rssFinalMiB} MiB |`,
    `| open descriptors before / after | ${report.fdsBefore} / ${report.fdsAfter} |`,
    `| answers a new client at the end | ${report.serverAlive ? 'yes' : 'NO'} |`,
  ].join('\n');
}
