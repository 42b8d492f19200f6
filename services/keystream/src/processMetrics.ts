/**
 * One /metrics for every process of a `keystream start`. The process started hands connections
 * to its replica children unread, so a scrape of its port lands on any of them: were each to
 * answer for itself, a scraper would see counters jump between processes (rate() reads each
 * switch as a reset). Whichever process takes the scrape answers with every process's series
 * instead, each labelled `process` with the roles that process runs.
 */
import { AggregatorRegistry, type Registry } from 'prom-client';
import { metricsFromParent, type RoleProcess } from './roleProcess.js';

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

/** How long a scrape waits for another process's metrics before answering without them. */
const METRICS_WAIT_MS = 2_000;

/**
 * In the process that started the others: its own series (`here` names its roles) and its
 * children's, asked over their IPC channels; a child that does not answer in time is left out.
 */
export async function gatheredExposition(here: string, own: () => Promise<MetricsJson>, children: readonly Pick<RoleProcess, 'roles' | 'metrics'>[]): Promise<string> {
  return processesExposition(await Promise.all([
    own().then((metrics) => ({ process: here, metrics })),
    ...children.map(async (child) => ({ process: child.roles, metrics: await child.metrics(METRICS_WAIT_MS) })),
  ]));
}

/** In a child: every process's series, from its parent; its own alone when the parent does not answer. */
export async function childExposition(here: string, own: () => Promise<MetricsJson>): Promise<string> {
  // Longer than the parent waits for each child, this one included.
  return (await metricsFromParent(2 * METRICS_WAIT_MS)) ?? processesExposition([{ process: here, metrics: await own() }]);
}
