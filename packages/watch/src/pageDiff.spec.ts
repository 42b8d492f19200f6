import { expect } from 'chai';
import fc from 'fast-check';
import { applyPageOperations, pageDiff, type PageItem } from './pageDiff.js';

const page = fc.uniqueArray(fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), value: fc.integer({ min: 0, max: 3 }) }), {
  selector: (item) => item.name,
  maxLength: 8,
});

describe('pageDiff', () => {
  describe('when its operations are applied in order to the old page', () => {
    it('should yield the new page, with nothing for unchanged items in place', () => {
      fc.assert(
        fc.property(page, page, (from: PageItem<number>[], to: PageItem<number>[]) => {
          const operations = pageDiff(from, to, (a, b) => a === b);
          expect(applyPageOperations(from, operations)).to.deep.equal(to);
          expect(pageDiff(to, to, (a, b) => a === b)).to.deep.equal([]);
        }),
        { numRuns: 500 },
      );
    });
  });
});
