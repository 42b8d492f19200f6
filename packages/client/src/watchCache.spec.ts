import { expect } from 'chai';
import { PageCache } from './pageCache.js';
import { WatchCache, WatchConsistencyError } from './watchCache.js';

const current = (name: string, displayName = name): Record<string, unknown> => ({ current: { group: { name, displayName } } });

describe('WatchCache', () => {
  describe('when chunks arrive', () => {
    it('should commit them only on is_current, drop them on a soft reset and everything on a hard reset', () => {
      const cache = new WatchCache('group');
      cache.apply({ groupChanges: [current('groups/a')] });
      expect(cache.resources.size).to.equal(0);
      cache.apply({ isSoftReset: true });
      const step = cache.apply({ groupChanges: [current('groups/b')], isCurrent: true, resumeToken: '0000000000000002' });
      expect([...cache.resources.keys()]).to.deep.equal(['groups/b']);
      expect(step.synced).to.equal(true);
      expect(cache.resumeToken).to.equal('0000000000000002');
      cache.apply({ snapshotSize: '1' });
      cache.apply({ isHardReset: true });
      expect(cache.resources.size).to.equal(0);
      expect(cache.resumeToken).to.equal(undefined);
      expect(cache.isSynced).to.equal(false);
    });
  });

  describe('when the stream contradicts the cache', () => {
    it('should throw on a Removed of an absent resource and on a wrong snapshot_size', () => {
      const cache = new WatchCache('group');
      cache.apply({ groupChanges: [current('groups/a')], isCurrent: true });
      expect(() => cache.apply({ snapshotSize: '2' })).to.throw(WatchConsistencyError);
      expect(() => cache.apply({ groupChanges: [{ removed: { name: 'groups/zz' } }], isCurrent: true })).to.throw(WatchConsistencyError);
    });
  });
});

describe('PageCache', () => {
  it('should apply Added, Modified moves and Removed by view index on is_current', () => {
    const page = new PageCache('group');
    page.apply({ groupChanges: [{ added: { group: { name: 'a' }, viewIndex: 0 } }, { added: { group: { name: 'b' }, viewIndex: 1 } }], isCurrent: true, pageTokenChange: { nextPageToken: 't' } });
    page.apply({ groupChanges: [{ modified: { name: 'b', group: { name: 'b' }, previousViewIndex: 1, viewIndex: 0 } }, { removed: { name: 'a', viewIndex: 1 } }], isCurrent: true });
    expect(page.page.map((item) => item.name)).to.deep.equal(['b']);
    expect(page.nextPageToken).to.equal('t');
  });
});
