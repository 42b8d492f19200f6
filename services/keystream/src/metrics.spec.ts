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
});
