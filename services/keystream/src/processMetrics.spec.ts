import { expect } from 'chai';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { processesExposition, type MetricsJson } from './processMetrics.js';

/** A process's registry with a counter, a gauge of the kind prom-client aggregates by `first`, and a histogram. */
async function processMetrics(requests: number, version: string, seconds: readonly number[]): Promise<MetricsJson> {
  const registry = new Registry();
  new Counter({ name: 'requests_total', help: 'requests', labelNames: ['method'], registers: [registry] }).inc({ method: 'GetGroup' }, requests);
  new Gauge({ name: 'version_info', help: 'version', labelNames: ['version'], aggregator: 'first', registers: [registry] }).set({ version }, 1);
  const histogram = new Histogram({ name: 'duration_seconds', help: 'durations', buckets: [0.01, 0.1], registers: [registry] });
  for (const value of seconds) histogram.observe(value);
  return registry.getMetricsAsJSON();
}

describe('processesExposition', () => {
  it('labels every series with its process, keeping each process\'s values as they are', async () => {
    const text = await processesExposition([
      { process: 'api,gateway', metrics: await processMetrics(7, '1', [0.005]) },
      { process: 'projector,replica,gateway', metrics: await processMetrics(5, '2', [0.05, 0.5]) },
    ]);
    const lines = text.split('\n');
    expect(lines).to.include('requests_total{method="GetGroup",process="api,gateway"} 7');
    expect(lines).to.include('requests_total{method="GetGroup",process="projector,replica,gateway"} 5');
    // A metric prom-client would aggregate by its first value keeps every process's.
    expect(lines).to.include('version_info{version="1",process="api,gateway"} 1');
    expect(lines).to.include('version_info{version="2",process="projector,replica,gateway"} 1');
    expect(lines).to.include('duration_seconds_bucket{le="0.01",process="api,gateway"} 1');
    expect(lines).to.include('duration_seconds_bucket{le="0.1",process="projector,replica,gateway"} 1');
    expect(lines).to.include('duration_seconds_count{process="projector,replica,gateway"} 2');
  });

  it('tells processes with the same roles apart by position, and keeps the names when one does not answer', async () => {
    const text = await processesExposition([
      { process: 'api,gateway', metrics: await processMetrics(1, '1', []) },
      { process: 'replica,gateway', metrics: undefined },
      { process: 'replica,gateway', metrics: await processMetrics(3, '1', []) },
    ]);
    const requestLines = text.split('\n').filter((line) => line.startsWith('requests_total{'));
    expect(requestLines).to.deep.equal([
      'requests_total{method="GetGroup",process="api,gateway"} 1',
      'requests_total{method="GetGroup",process="replica,gateway#2"} 3',
    ]);
  });
});
