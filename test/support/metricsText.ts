/**
 * Reading Prometheus exposition text (a keystream /metrics answer) in tests and benches: the
 * samples of one metric with their labels. With several processes behind one `keystream start`
 * every sample carries a `process` label naming the roles of the process it comes from.
 */

/** One sample line: its labels and value. */
export interface MetricSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of metric `name` (exactly that name, not its `_bucket`/`_sum` lines). */
export function metricSamples(text: string, name: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    const labelText = line[name.length] === '{' ? line.slice(name.length + 1, line.lastIndexOf('}')) : '';
    const labels: Record<string, string> = {};
    for (const match of labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[match[1] as string] = (match[2] as string).replace(/\\(.)/g, '$1');
    samples.push({ labels, value: Number(line.slice(line.lastIndexOf(' ') + 1)) });
  }
  return samples;
}

/** The sum of metric `name`'s samples per process (the `process` label; '' for a process answering alone), over the samples `keep` accepts. */
export function sumByProcess(text: string, name: string, keep: (labels: Readonly<Record<string, string>>) => boolean = () => true): Map<string, number> {
  const sums = new Map<string, number>();
  for (const sample of metricSamples(text, name)) {
    if (!keep(sample.labels)) continue;
    const process = sample.labels['process'] ?? '';
    sums.set(process, (sums.get(process) ?? 0) + sample.value);
  }
  return sums;
}

/** The processes a scrape shows (the `process` labels of `keystream_process_roles`), sorted; '' for a process answering alone. */
export function processesOf(text: string): string[] {
  return metricSamples(text, 'keystream_process_roles').map((sample) => sample.labels['process'] ?? '').sort();
}

/**
 * Scrapes (with `scrape`) until `count` processes show, and returns them: a replica child answers
 * its parent's metrics requests only once it has said it takes connections. What the last scrape
 * showed when `timeoutMs` passes first.
 */
export async function untilProcessesShow(scrape: () => Promise<string>, count: number, timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = processesOf(await scrape());
    if (seen.length >= count || Date.now() > deadline) return seen;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
