import { expect } from 'chai';
import { START_POSITION, comparePositions, isPositionText, laterPosition } from './position.js';
import { MIN_POSITION_HEADER, minPositionHeaders } from './minPosition.js';

describe('position', () => {
  describe('comparePositions', () => {
    it('should order the start before every position, then by the string', () => {
      expect(comparePositions(START_POSITION, '0000000000000001')).to.be.lessThan(0);
      expect(comparePositions('000000000000000a', '0000000000000009')).to.be.greaterThan(0);
      expect(comparePositions('0000000000000002', '0000000000000002')).to.equal(0);
    });
  });

  describe('laterPosition', () => {
    it('should take the later of two', () => {
      expect(laterPosition('0000000000000003', '0000000000000007')).to.equal('0000000000000007');
      expect(laterPosition('0000000000000007', START_POSITION)).to.equal('0000000000000007');
    });
  });

  describe('isPositionText', () => {
    it('should accept lowercase hex as the adapters write it, and nothing else', () => {
      expect(isPositionText('00000000000000ff')).to.equal(true);
      for (const text of ['', 'zz', '00FF', ' 1', '1'.repeat(65)]) expect(isPositionText(text), text).to.equal(false);
    });
  });

  describe('minPositionHeaders', () => {
    it('should announce a position, and nothing for a write that appended nothing', () => {
      expect(minPositionHeaders('0000000000000004')).to.deep.equal({ [MIN_POSITION_HEADER]: '0000000000000004' });
      expect(minPositionHeaders(START_POSITION)).to.deep.equal({});
    });
  });
});
