import { expect } from 'chai';
import fc from 'fast-check';
import { Aggregator } from 'mingo';
import { normalizeSort } from '../normalizeSort.js';
import type { JsonObject } from '../readStore.js';
import { SortedIndex } from './sortedIndex.js';

const documentArbitrary = fc.record(
  { score: fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined }), label: fc.constantFrom('a', 'b', 'c') },
  { requiredKeys: ['label'] },
);

function namesInMingoOrder(documents: readonly JsonObject[], sort: Record<string, 1 | -1>): string[] {
  const sorted = new Aggregator([{ $sort: sort }]).run<JsonObject>(documents.map((document) => ({ ...document })));
  return sorted.map((document) => (typeof document['name'] === 'string' ? document['name'] : ''));
}

describe('SortedIndex', () => {
  describe('having documents inserted and removed one at a time', () => {
    it('should iterate in the same order as a MongoDB $sort with name as tie-break', () => {
      fc.assert(
        fc.property(fc.array(documentArbitrary, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 10 }), fc.constantFrom<1 | -1>(1, -1), (fields, removals, direction) => {
          const documents: JsonObject[] = fields.map((field, index) => {
            const document: JsonObject = { name: `n${String(index).padStart(3, '0')}`, label: field.label };
            if (field.score !== undefined) document['score'] = field.score;
            return document;
          });
          const keys = normalizeSort({ score: direction });
          const index = new SortedIndex(keys);
          for (const document of documents) index.insert(document);
          const removed = new Set<number>();
          for (const removal of removals) {
            if (documents.length === 0) break;
            const slot = removal % documents.length;
            if (removed.has(slot)) continue;
            removed.add(slot);
            const document = documents[slot];
            if (document !== undefined) index.remove(document);
          }
          const remaining = documents.filter((_, slot) => !removed.has(slot));
          expect([...index.documents()].map((entry) => entry.name)).to.deep.equal(namesInMingoOrder(remaining, { score: direction, name: 1 }));
          expect(index.size).to.equal(remaining.length);
        }),
      );
    });
  });
});

describe('normalizeSort', () => {
  it('should append name ascending as the tie-break unless the spec orders by name', () => {
    expect(normalizeSort({ 'metadata.createTime': -1 })).to.deep.equal([['metadata.createTime', -1], ['name', 1]]);
    expect(normalizeSort({ name: -1 })).to.deep.equal([['name', -1]]);
    expect(normalizeSort(undefined)).to.deep.equal([['name', 1]]);
  });
});
