/**
 * One /metrics for every process of a `keystream start`. The process started hands connections
 * to its replica children unread, so a scrape of its port lands on any of them: were each to
 * answer for itself, a scraper would see counters jump between processes (rate() reads each
 * switch as a reset). Whichever process takes the scrape answers with every process's series
 * instead, each labelled `process` with the roles that process runs.
 */
import { AggregatorRegistry, type Registry } from 'prom-client';

/** A registry's metrics as JSON (what crosses the IPC channel). */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** One process's metrics and the name its series are labelled with. */
export interface ProcessMetrics {
  /** The roles it runs (`api,gateway`). */
  readonly process: string;
  /** Undefined for a process that did not answer: it keeps its place, so the others keep their names. */
  readonly metrics: MetricsJson | undefined;
}

/** The label naming the process a series comes from. */
export const PROCESS_LABEL = 'process';

/**
 * The Prometheus exposition of several processes' metrics: every series gets its process's
 * label; two processes with the same roles are told apart by a position (`replica,gateway#2`).
 */
export async function processesExposition(parts: readonly ProcessMetrics[]): Promise<string> {
  const seen = new Map<string, number>();
  const labelled = parts.flatMap(({ process, metrics }) => {
    const count = (seen.get(process) ?? 0) + 1;
    seen.set(process, count);
    const name = count === 1 ? process : `${process}#${String(count)}`;
    if (metrics === undefined) return [];
    return [metrics.map((metric) => ({
      ...metric,
      // Every series is the process's own now (its label set differs): summing keeps each as it is,
      // where a metric's own aggregator (first, omit…) would drop the other processes' values.
      aggregator: 'sum' as const,
      values: metric.values.map((value) => ({ ...value, labels: { ...value.labels, [PROCESS_LABEL]: name } })),
    }))];
  });
  return AggregatorRegistry.aggregate(labelled).metrics();
}
