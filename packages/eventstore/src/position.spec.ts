import { expect } from 'chai';
import fc from 'fast-check';
import { decodeEsdbPosition, encodeEsdbPosition } from './esdb/esdbPosition.js';
import { decodeSequencePosition, encodeSequencePosition } from './lmdb/sequencePosition.js';
import { START_POSITION, comparePositions } from './position.js';

describe('comparePositions', () => {
  describe('having embedded sequence positions', () => {
    it('should order them as their sequence numbers and round-trip them', () => {
      fc.assert(
        fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), (a, b) => {
          const order = Math.sign(comparePositions(encodeSequencePosition(a), encodeSequencePosition(b)));
          expect(order).to.equal(Math.sign(a - b));
          expect(decodeSequencePosition(encodeSequencePosition(a))).to.equal(a);
        }),
      );
    });

    it('should place START_POSITION before every position', () => {
      expect(comparePositions(START_POSITION, encodeSequencePosition(1))).to.be.lessThan(0);
      expect(encodeSequencePosition(0)).to.equal(START_POSITION);
    });

    it('should reject a malformed position as INVALID_ARGUMENT', () => {
      expect(() => decodeSequencePosition('xyz')).to.throw().with.property('code', 'INVALID_ARGUMENT');
    });
  });

  describe('having EventStoreDB commit/prepare positions', () => {
    it('should order them as $all does (commit, then prepare) and round-trip them', () => {
      const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
      fc.assert(
        fc.property(u64, u64, u64, u64, (c1, p1, c2, p2) => {
          const a = { commit: c1, prepare: p1 };
          const b = { commit: c2, prepare: p2 };
          const expected = c1 === c2 ? Math.sign(Number(p1 - p2)) : Math.sign(Number(c1 - c2));
          expect(Math.sign(comparePositions(encodeEsdbPosition(a), encodeEsdbPosition(b)))).to.equal(expected);
          expect(decodeEsdbPosition(encodeEsdbPosition(a))).to.deep.equal(a);
        }),
      );
    });

    it('should decode START_POSITION as the start of $all', () => {
      expect(decodeEsdbPosition(START_POSITION)).to.equal('start');
    });
  });
});
