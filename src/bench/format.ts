/** The human summary of a benchmark result, as `natter bench` prints it. */
import type { BenchResult } from './result.js';

/** A human summary of a result. */
export function formatResult(r: BenchResult): string {
  const s = r.scenario;
  const lines: string[] = [];
  if (s.idle > 0) {
    lines.push(
      `${s.idle} idle registered connections (${s.wire}), joined in ${r.connectMs.totalSec} s`,
    );
  } else {
    const batching = s.batch > 0 ? `, ${s.batch} per write` : '';
    const rate =
      s.rate > 0 ? `${s.rate} msgs/s each${batching}` : `max rate (window ${s.window}${batching})`;
    lines.push(
      `${s.clients} clients (${s.wire}), ${s.senders} senders at ${rate}, ${s.msgSize}-byte messages, ${s.durationMs / 1000} s`,
    );
    lines.push(`  deliveries/s  ${r.deliveriesPerSec.toLocaleString('en-US')}`);
    lines.push(`  send rate     ${r.sendRate.toLocaleString('en-US')} msgs/s (${r.sent} sent)`);
    lines.push(
      `  latency ms    p50 ${r.latencyMs.p50}  p90 ${r.latencyMs.p90}  p99 ${r.latencyMs.p99}  p99.9 ${r.latencyMs.p999}  max ${r.latencyMs.max}`,
    );
    lines.push(`  lost ${r.lost}, out of order ${r.outOfOrder}, disconnected ${r.disconnects}`);
    const n = r.numbering;
    if (n) {
      lines.push(
        `  numbered      ${n.numbered} with seq and ts, ${n.unnumbered} without; seq out of order ${n.seqOutOfOrder}, seqs skipped ${n.seqSkipped}`,
      );
    }
  }
  if (r.caps) {
    const missing = r.caps.asked.filter((c) => !r.caps!.granted.includes(c));
    lines.push(
      `  caps          asked ${r.caps.asked.join(', ') || 'none'}; granted ${r.caps.granted.join(', ') || 'none'}` +
        (missing.length > 0 ? ` (not granted: ${missing.join(', ')})` : ''),
    );
  }
  lines.push(
    `  connect ms    p50 ${r.connectMs.p50}  p99 ${r.connectMs.p99}  max ${r.connectMs.max}`,
  );
  if (r.server) {
    const parts = [];
    if (r.server.cpuPercent !== undefined) parts.push(`CPU ${r.server.cpuPercent}%`);
    if (r.server.rssMiB !== undefined) parts.push(`RSS ${r.server.rssMiB} MiB`);
    if (r.server.rssPerConnectionKiB !== undefined)
      parts.push(`${r.server.rssPerConnectionKiB} KiB per connection`);
    if (r.server.heapPerConnectionKiB !== undefined)
      parts.push(`heap ${r.server.heapPerConnectionKiB} KiB per connection`);
    lines.push(`  server        ${parts.join(', ')}`);
  }
  return lines.join('\n');
}
