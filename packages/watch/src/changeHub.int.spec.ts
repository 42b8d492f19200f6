import type { ChangeLogEntry } from '@keystream/readstore';
import { eventually } from '@keystream/api/testing';
import { expect } from 'chai';
import { ChangeHub } from './changeHub.js';
import { positionBeforeTime } from './startingPosition.js';
import { openWatchStoreFixture, positionOf, type WatchStoreFixture } from './testing/index.js';

describe('ChangeHub', () => {
  let fixture: WatchStoreFixture;
  let hub: ChangeHub;

  beforeEach(async () => {
    fixture = openWatchStoreFixture();
    for (let index = 1; index <= 30; index += 1) await fixture.write([{ kind: index % 2 === 0 ? 'Group' : 'Role', name: `groups/g${index % 5}`, document: { displayName: `${index}` } }]);
    hub = new ChangeHub(fixture.store, { ringSize: 4 });
    await hub.start();
  });

  afterEach(async () => {
    await hub.close();
    await fixture.close();
  });

  function collect(from: string): { entries: ChangeLogEntry[]; close(): void } {
    const entries: ChangeLogEntry[] = [];
    const subscription = hub.subscribe('Group', from, { onEntries: (batch) => entries.push(...batch), onError: (error) => { throw error; } });
    return { entries, close: () => { subscription.close(); } };
  }

  describe('when subscribers start behind, inside and ahead of the ring', () => {
    it('should deliver every entry of their kind after their start exactly once, in order', async () => {
      const old = collect(positionOf(3));
      const live = collect(fixture.position);
      for (let index = 31; index <= 60; index += 1) await fixture.write([{ kind: 'Group', name: `groups/g${index % 5}`, document: { displayName: `${index}` } }]);
      const recent = collect(positionOf(57));
      await fixture.write([{ kind: 'Group', name: 'groups/last', document: { displayName: 'last' } }]);
      const expected = (after: number): string[] => Array.from({ length: 61 - after }, (_unused, offset) => after + 1 + offset).filter((sequence) => sequence > 30 || sequence % 2 === 0).map(positionOf);
      await eventually(() => old.entries.length === expected(3).length && live.entries.length === 31 && recent.entries.length === 4, 5_000, 'deliveries');
      expect(old.entries.map((entry) => entry.position)).to.deep.equal(expected(3));
      expect(live.entries.map((entry) => entry.position)).to.deep.equal(expected(30));
      expect(recent.entries.map((entry) => entry.position)).to.deep.equal(expected(57));
      old.close();
      live.close();
      recent.close();
      expect(hub.subscriptions).to.equal(0);
    });
  });

  describe('when many caught-up subscribers share a bucket', () => {
    it('should ask the bucket once per batch and hand them only the batches it selects something of', async () => {
      let asked = 0;
      const bucket = {
        selectsAny: (entries: readonly ChangeLogEntry[]): boolean => {
          asked += 1;
          return entries.some((entry) => entry.name === 'groups/wanted');
        },
      };
      const received = Array.from({ length: 200 }, () => [] as ChangeLogEntry[]);
      const subscriptions = received.map((entries) => hub.subscribe('Group', fixture.position, { onEntries: (batch) => entries.push(...batch), onError: (error) => { throw error; } }, bucket));
      const loose = collect(fixture.position);
      // The first batch is delivered one by one (the subscribers catch up with it); from then on the bucket decides.
      await fixture.write([{ kind: 'Group', name: 'groups/first', document: {} }]);
      await eventually(() => loose.entries.length === 1, 5_000, 'the first batch');
      asked = 0;
      await fixture.write([{ kind: 'Group', name: 'groups/other', document: {} }]);
      const wanted = await fixture.write([{ kind: 'Group', name: 'groups/wanted', document: {} }]);
      await eventually(() => loose.entries.length === 3 && received.every((entries) => entries.length === 2), 5_000, 'the wanted batch');
      expect(asked).to.equal(2);
      for (const entries of received) expect(entries.map((entry) => entry.name)).to.deep.equal(['groups/first', 'groups/wanted']);
      expect(loose.entries.map((entry) => entry.name)).to.deep.equal(['groups/first', 'groups/other', 'groups/wanted']);
      // Every subscriber is through the skipped batch too.
      for (const subscription of subscriptions) expect(subscription.through()).to.equal(wanted);
      expect(hub.subscriptions).to.equal(201);
      for (const subscription of subscriptions) subscription.close();
      loose.close();
      expect(hub.subscriptions).to.equal(0);
    });
  });
});

describe('positionBeforeTime', () => {
  it('should find the position before the first change at or after a time', async () => {
    const fixture = openWatchStoreFixture();
    try {
      // The store stamps entries with its clock: the expectation is computed from the recorded times.
      for (let index = 0; index < 5; index += 1) await fixture.write([{ kind: 'Group', name: `groups/g${index}`, document: {} }]);
      const entries: ChangeLogEntry[] = [];
      const feed = fixture.store.changesSince('');
      for await (const batch of feed) {
        entries.push(...batch);
        if (entries.length === 5) break;
      }
      await feed.close();
      const now = (entries[2] as ChangeLogEntry).recordedAt;
      const position = await positionBeforeTime(fixture.store, now);
      const first = entries.findIndex((entry) => entry.recordedAt >= now);
      expect(position).to.equal(first === 0 ? '' : (entries[first - 1] as ChangeLogEntry).position);
      expect(await positionBeforeTime(fixture.store, Date.now() + 60_000)).to.equal(fixture.position);
    } finally {
      await fixture.close();
    }
  });
});
