/**
 * The watch rows of the table, read from what test/bench/watchFanout.bench.ts prints for this
 * checkout (its `this` lines): write → frame latency per scenario next to the write
 * acknowledgement with no watchers at the same rate, and the memory of an idle watch.
 */
import type { PerformanceRow } from './performanceTable.js';

/** The goal per scenario of the fan-out bench, by its watcher count. */
const GOALS: Readonly<Record<string, string>> = {
  '1k': 'p99 < 25 ms',
  '3k': 'p99 < 50 ms; write ack p99 within 2× of no watchers',
  '10k': 'p99 < 100 ms',
};

const NUMBER = String.raw`(—|[\d.]+)`;
const SCENARIO_LINE = new RegExp(
  String.raw`^\s*this\s+(\S+) watchers (.+?)\s+frame p50\s+${NUMBER} ms\s+p99\s+${NUMBER} ms\s+max\s+${NUMBER} ms\s+\((\d+)/(\d+)\)\s+ack p50\s+${NUMBER} ms\s+p99\s+${NUMBER} ms(?:\s+RSS/idle watch\s+(-?[\d.]+) KiB(?:, second half\s+(-?[\d.]+|NaN) KiB)?)?`,
);
const ACK_RATIO_LINE = /^\s*this\s+(\S+) watchers (.+?)\s+write ack p99 ([\d.]+)× the no-watcher p99/;

/** Rows for the table from the fan-out bench's output; none when it printed no scenario of this checkout. */
export function fanoutRows(output: string): PerformanceRow[] {
  const ratios = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = ACK_RATIO_LINE.exec(line);
    if (match !== null) ratios.set(`${match[1]} ${(match[2] as string).trim()}`, `${match[3] as string}×`);
  }
  const rows: PerformanceRow[] = [];
  const memory: string[] = [];
  for (const line of output.split('\n')) {
    const match = SCENARIO_LINE.exec(line);
    if (match === null) continue;
    const [, count, rest, p50, p99, , delivered, expected, , ackP99, rss, marginal] = match as unknown as [string, string, string, string, string, string, string, string, string, string, string | undefined, string | undefined];
    const scenario = `${count} ${rest.trim()}`;
    rows.push({
      figure: `write → watch frame, ${count} watchers ${rest.trim()}`,
      measured: `p50 ${p50} ms, p99 ${p99} ms (${delivered}/${expected} frames); write ack p99 ${ackP99} ms`,
      ceiling: 'write ack p99 with no watchers, same rate',
      ratio: ratios.get(scenario) ?? '—',
      goal: GOALS[count] ?? '—',
    });
    if (rss !== undefined) memory.push(`${rss} KiB over all, ${marginal ?? '—'} KiB over the second half (${count})`);
  }
  if (memory.length > 0) rows.push({ figure: 'memory per idle watch (server RSS growth per watch)', measured: memory.join('; '), ceiling: '—', ratio: '—', goal: '< 10 KiB RSS' });
  return rows;
}
