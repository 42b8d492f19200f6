/**
 * Prometheus metrics of a keystream process: HTTP requests by method and status, gRPC calls by
 * method and status code, how busy the main thread is, and the projector's progress, read from it
 * at scrape time.
 */
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricsJson } from './processMetrics.js';

/** The part of the projector's metrics exported as gauges (see @keystream/service-projector). */
export interface ProjectorGaugeSource {
  readonly eventsHandledTotal: number;
  readonly batchesTotal: number;
  readonly lag: number | undefined;
  readonly throughputEventsPerSecond: number;
  readonly lastEventAgeMs: number | undefined;
}

/** Seconds: sub-millisecond reads up to slow writes. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** One transport's answered calls: counted by method and outcome, timed by method. */
class CallMetrics<Outcome extends string> {
  private readonly calls: Counter<'method' | Outcome>;
  private readonly durations: Histogram<'method'>;

  constructor(registry: Registry, counted: { readonly name: string; readonly help: string; readonly outcome: Outcome }, timed: { readonly name: string; readonly help: string }) {
    this.calls = new Counter({ name: counted.name, help: counted.help, labelNames: ['method', counted.outcome], registers: [registry] });
    this.durations = new Histogram({ name: timed.name, help: timed.help, labelNames: ['method'], buckets: LATENCY_BUCKETS, registers: [registry] });
  }

  record(method: string, outcome: Record<Outcome, string>, seconds: number): void {
    this.calls.inc({ method, ...outcome });
    this.durations.observe({ method }, seconds);
  }
}

export class KeystreamMetrics {
  readonly registry = new Registry();
  private readonly requests: CallMetrics<'status'>;
  private readonly grpcCalls: CallMetrics<'code'>;

  constructor(projector?: () => Promise<ProjectorGaugeSource>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'keystream_' });
    this.requests = new CallMetrics(
      this.registry,
      { name: 'keystream_http_requests_total', help: 'HTTP requests answered, by RPC method (or "unrouted") and status', outcome: 'status' },
      { name: 'keystream_http_request_duration_seconds', help: 'Time from request to answer, by RPC method' },
    );
    this.grpcCalls = new CallMetrics(
      this.registry,
      { name: 'keystream_grpc_calls_total', help: 'gRPC calls answered (streams when they end), by RPC method and status code (0: OK)', outcome: 'code' },
      { name: 'keystream_grpc_call_duration_seconds', help: 'Time from call to answer (to the end, for a stream), by RPC method' },
    );
    // Every role of the embedded default shares the main thread, and lmdb-js runs each write
    // transaction's callbacks on it too: under load an append waits for this thread, not for the
    // disk. Busy seconds over wall seconds says whether the thread is the limit (close to 1) or
    // requests wait on something else. Process CPU cannot tell: it adds the writer thread's work.
    new Counter({
      name: 'keystream_event_loop_busy_seconds_total',
      help: 'Seconds the main thread spent running JavaScript and callbacks rather than waiting for I/O (event loop utilization)',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(performance.eventLoopUtilization().active / 1000);
      },
    });
    if (projector !== undefined) {
      const gauge = (name: string, help: string, read: (source: ProjectorGaugeSource) => number | undefined): void => {
        new Gauge({
          name,
          help,
          registers: [this.registry],
          async collect() {
            const value = read(await projector());
            if (value !== undefined) this.set(value);
          },
        });
      };
      gauge('keystream_projector_events_applied', 'Events the projector has applied to the read model since it started', (source) => source.eventsHandledTotal);
      gauge('keystream_projector_batches', 'Read-model transactions the projector has committed since it started', (source) => source.batchesTotal);
      gauge('keystream_projector_lag', 'How far the read model is behind the event log (events on the embedded store)', (source) => source.lag);
      gauge('keystream_projector_throughput_events_per_second', 'Events projected per second, recent window', (source) => source.throughputEventsPerSecond);
      gauge('keystream_projector_last_event_age_milliseconds', 'Age of the newest projected event when its batch committed', (source) => source.lastEventAgeMs);
    }
  }

  /** Records one answered request. */
  recordRequest(outcome: { readonly method: string | undefined; readonly status: number; readonly seconds: number }): void {
    this.requests.record(outcome.method ?? 'unrouted', { status: String(outcome.status) }, outcome.seconds);
  }

  /** Records one answered gRPC call (a stream once it ended). */
  recordGrpcCall(outcome: { readonly method: string; readonly code: number; readonly seconds: number }): void {
    this.grpcCalls.record(outcome.method, { code: String(outcome.code) }, outcome.seconds);
  }

  /** This process's metrics as JSON, for a view across processes (processMetrics.ts). */
  async snapshot(): Promise<MetricsJson> {
    return this.registry.getMetricsAsJSON();
  }

  /** The exposition text of this process's metrics alone. */
  async render(): Promise<string> {
    return this.registry.metrics();
  }
}
