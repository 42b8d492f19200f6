import { expect } from 'chai';
import { positionDistance } from './positionDistance.js';

/** An embedded-store position: the sequence number as 16 hex digits. */
function positionAt(sequence: number): string {
  return sequence.toString(16).padStart(16, '0');
}

describe('positionDistance', () => {
  describe('having embedded-store positions', () => {
    it('should count the events in between', () => {
      expect(positionDistance(positionAt(10), positionAt(250))).to.equal(240);
      expect(positionDistance('', positionAt(7))).to.equal(7);
      expect(positionDistance('', '')).to.equal(0);
    });

    it('should report zero, not a negative number, when ahead', () => {
      expect(positionDistance(positionAt(9), positionAt(3))).to.equal(0);
      expect(positionDistance(positionAt(9), '')).to.equal(0);
    });
  });

  describe('having EventStoreDB positions (commit then prepare)', () => {
    it('should take the distance of the commit positions', () => {
      const from = `${positionAt(1_000)}${positionAt(990)}`;
      const to = `${positionAt(5_000)}${positionAt(4_990)}`;
      expect(positionDistance(from, to)).to.equal(4_000);
    });
  });

  describe('having positions of no known form', () => {
    it('should say it cannot tell', () => {
      expect(positionDistance('abc', positionAt(3))).to.equal(undefined);
      expect(positionDistance(positionAt(1), 'ZZZZZZZZZZZZZZZZ')).to.equal(undefined);
      expect(positionDistance(positionAt(1), `${positionAt(2)}${positionAt(2)}`)).to.equal(undefined);
    });
  });
});
