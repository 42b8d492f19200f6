import { expect } from 'chai';
import { KeystreamMetrics } from './metrics.js';

/** The value of a sample line `name value` in Prometheus exposition text. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('KeystreamMetrics', () => {
  it('exports the main thread busy seconds, which grow while the thread works', async () => {
    const metrics = new KeystreamMetrics();
    const before = sample(await metrics.render(), 'keystream_event_loop_busy_seconds_total');
    expect(before).to.be.a('number').and.to.be.at.least(0);
    // Keep the thread busy for a while without yielding: that time counts as busy, whatever the machine's speed.
    const until = Date.now() + 30;
    while (Date.now() < until) {
      // spin
    }
    await new Promise((resolve) => setImmediate(resolve));
    const after = sample(await metrics.render(), 'keystream_event_loop_busy_seconds_total');
    expect(after).to.be.a('number').and.to.be.greaterThan(before as number);
  });

  it('counts gRPC calls by method and status code, with their durations', async () => {
    const metrics = new KeystreamMetrics();
    metrics.recordGrpcCall({ method: 'GetGroup', code: 0, seconds: 0.002 });
    metrics.recordGrpcCall({ method: 'GetGroup', code: 0, seconds: 0.003 });
    metrics.recordGrpcCall({ method: 'GetGroup', code: 5, seconds: 0.001 });
    const text = await metrics.render();
    expect(sample(text, 'keystream_grpc_calls_total{method="GetGroup",code="0"}')).to.equal(2);
    expect(sample(text, 'keystream_grpc_calls_total{method="GetGroup",code="5"}')).to.equal(1);
    expect(sample(text, 'keystream_grpc_call_duration_seconds_count{method="GetGroup"}')).to.equal(3);
    expect(sample(text, 'keystream_grpc_call_duration_seconds_sum{method="GetGroup"}')).to.be.closeTo(0.006, 1e-9);
  });
});
