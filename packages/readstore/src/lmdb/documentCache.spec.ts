import { expect } from 'chai';
import type { JsonObject } from '../readStore.js';
import { DocumentCache } from './documentCache.js';

const documentOf = (index: number): { position: string; document: JsonObject } => ({ position: String(index).padStart(16, '0'), document: { name: `groups/g${index}`, displayName: 'x'.repeat(500) } });

describe('DocumentCache', () => {
  it('should stay within its byte budget whatever is cached, dropping the least recently used first', () => {
    const cache = new DocumentCache(64 * 1024);
    for (let index = 0; index < 10_000; index += 1) {
      cache.set(`g${index}`, documentOf(index));
      if (index === 5) cache.get('g0');
    }
    expect(cache.size).to.be.at.most(64 * 1024);
    expect(cache.entries).to.be.within(20, 100);
    expect(cache.get('g9999')?.document['name']).to.equal('groups/g9999');
    expect(cache.get('g1')).to.equal(undefined);
  });

  it('should hand out copies, so a caller changing one does not change what others get', () => {
    const cache = new DocumentCache(1024 * 1024);
    const original = documentOf(1);
    cache.set('g1', original);
    original.document['displayName'] = 'changed by the writer';
    const first = cache.get('g1');
    if (first !== undefined) first.document['displayName'] = 'changed by a reader';
    expect(cache.get('g1')?.document['displayName']).to.equal('x'.repeat(500));
  });

  it('should keep nothing with a budget of 0, and skip a document larger than the budget', () => {
    const off = new DocumentCache(0);
    off.set('g1', documentOf(1));
    expect(off.entries).to.equal(0);
    const small = new DocumentCache(256);
    small.set('g1', documentOf(1));
    expect(small.entries).to.equal(0);
  });
});
