import { expect } from 'chai';
import { ThroughputWindow } from './throughputWindow.js';

describe('ThroughputWindow', () => {
  describe('having events recorded within the window', () => {
    it('should report events per second over the window', () => {
      const window = new ThroughputWindow(10_000, 0);
      window.record(11_000, 500);
      window.record(15_000, 1_500);
      expect(window.rate(20_000)).to.equal(200);
    });
  });

  describe('before a whole window has passed', () => {
    it('should divide by the time since counting began', () => {
      const window = new ThroughputWindow(10_000, 1_000);
      window.record(2_000, 300);
      expect(window.rate(3_000)).to.equal(150);
    });
  });

  describe('when the projector is idle longer than the window', () => {
    it('should fall to zero', () => {
      const window = new ThroughputWindow(1_000, 0);
      window.record(500, 100);
      expect(window.rate(900)).to.be.above(0);
      expect(window.rate(1_600)).to.equal(0);
    });
  });

  it('should report zero at the instant counting begins', () => {
    expect(new ThroughputWindow(1_000, 5).rate(5)).to.equal(0);
  });

  it('should keep the sum right across many evictions', () => {
    const window = new ThroughputWindow(100, 0);
    for (let at = 1; at <= 5_000; at += 1) window.record(at, 1);
    expect(window.rate(5_000)).to.equal(1_000);
  });
});
