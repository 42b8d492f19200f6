import { methodByName } from '@keystream/api';
import { eventually, withDeadline } from '@keystream/api/testing';
import { expect } from 'chai';
import { ChangeHub } from './changeHub.js';
import { openWatchStoreFixture, RecordingSink, type WatchStoreFixture } from './testing/index.js';
import { WatchEngine } from './watchEngine.js';

describe('WatchEngine', () => {
  let fixture: WatchStoreFixture;
  let hub: ChangeHub;
  let engine: WatchEngine;

  beforeEach(async () => {
    fixture = openWatchStoreFixture();
    hub = new ChangeHub(fixture.store);
    await hub.start();
    engine = new WatchEngine({ store: fixture.store, hub, pageTokenKey: 'k'.repeat(32) });
  });

  afterEach(async () => {
    await engine.close();
    await hub.close();
    await fixture.close();
  });

  describe('when closed while watches are starting', () => {
    it('should end every watch promptly', async () => {
      for (let id = 0; id < 50; id += 1) await fixture.write([{ kind: 'Group', name: `groups/g${id}`, document: { displayName: `${id}` } }]);
      const sinks = Array.from({ length: 20 }, () => new RecordingSink());
      sinks.forEach((sink, index) => engine.start(methodByName('WatchGroups'), { type: index % 2 === 0 ? 'STATELESS' : 'STATEFUL' }, sink));
      await withDeadline(engine.close(), 2_000, 'engine.close()');
      expect(engine.size).to.equal(0);
      expect(sinks.every((sink) => sink.error === undefined)).to.equal(true);
    });
  });

  describe('when many idle watches are due a fresh resume token', () => {
    it('should hand each one its token within the interval, spread over it rather than all in one turn', async () => {
      await engine.close();
      // 1 s dealt into 4 ticks of 250 ms: the eight watches land two per tick.
      engine = new WatchEngine({ store: fixture.store, hub, pageTokenKey: 'k'.repeat(32), progressIntervalMs: 1000 });
      const sinks = Array.from({ length: 8 }, () => new RecordingSink());
      for (const sink of sinks) engine.start(methodByName('WatchGroups'), { type: 'STATELESS', filter: 'display_name = "nobody"' }, sink);
      await eventually(() => sinks.every((sink) => sink.responses.some((response) => response['isCurrent'] === true)), 5_000, 'every snapshot');
      const moved = await fixture.write([{ kind: 'Group', name: 'groups/elsewhere', document: { displayName: 'not watched' } }]);
      const arrivals = new Map<RecordingSink, number>();
      await eventually(() => {
        for (const sink of sinks) {
          if (!arrivals.has(sink) && sink.responses.some((response) => response['resumeToken'] === moved)) arrivals.set(sink, performance.now());
        }
        return arrivals.size === sinks.length;
      }, 5_000, 'a fresh token for every watch');
      const times = [...arrivals.values()].sort((a, b) => a - b);
      // All in one tick (the old behaviour) would put them within a few milliseconds of each other.
      expect((times.at(-1) as number) - (times[0] as number)).to.be.greaterThan(400);
      expect(sinks.every((sink) => sink.responses.filter((response) => response['resumeToken'] === moved).length === 1)).to.equal(true);
    });
  });

  describe('when a stateless watch gives starting_time', () => {
    it('should send no snapshot and replay the changes from that time on', async () => {
      await fixture.write([{ kind: 'Group', name: 'groups/old', document: { displayName: 'old' } }]);
      const from = Date.now() + 1;
      await eventually(() => Date.now() > from, 1_000, 'the clock to move on');
      await fixture.write([{ kind: 'Group', name: 'groups/new', document: { displayName: 'new' } }]);
      const sink = new RecordingSink();
      engine.start(methodByName('WatchGroups'), { type: 'STATELESS', startingTime: new Date(from).toISOString() }, sink);
      await eventually(() => sink.responses.length >= 2, 5_000, 'the replay');
      expect(sink.responses[0]).to.deep.include({ isCurrent: true });
      expect(sink.responses[1]?.['groupChanges']).to.deep.equal([{ current: { group: { name: 'groups/new', displayName: 'new' } } }]);
    });
  });

  describe('when a stateless watch resumes from a token ahead of the log', () => {
    it('should hard-reset to a snapshot and go on with every later change, never skipping to the token', async () => {
      for (let id = 0; id < 3; id += 1) await fixture.write([{ kind: 'Group', name: `groups/r${id}`, document: { displayName: `${id}` } }]);
      const head = await fixture.store.head();
      const ahead = (BigInt(`0x${head}`) + 1000n).toString(16).padStart(head.length, '0');
      const sink = new RecordingSink();
      engine.start(methodByName('WatchGroups'), { type: 'STATELESS', resumeToken: ahead }, sink);
      await eventually(() => sink.responses.some((response) => response['snapshotSize'] === 3), 5_000, 'the reset and the snapshot');
      expect(sink.responses[0]).to.deep.include({ isHardReset: true });
      await fixture.write([{ kind: 'Group', name: 'groups/later', document: { displayName: 'later' } }]);
      await eventually(() => sink.responses.some((response) => JSON.stringify(response).includes('groups/later')), 5_000, 'the change after the reset');
    });
  });

  describe('when a transport stops draining', () => {
    it('should stop queueing past its bound and hard-reset once it drains', async () => {
      await engine.close();
      engine = new WatchEngine({ store: fixture.store, hub, pageTokenKey: 'k'.repeat(32), maxQueuedEntries: 5 });
      const sink = new RecordingSink();
      engine.start(methodByName('WatchGroups'), { type: 'STATELESS' }, sink);
      await eventually(() => sink.responses.length === 2, 5_000, 'snapshot');
      sink.blocked = true;
      await fixture.write([{ kind: 'Group', name: 'groups/a', document: { displayName: 'a' } }]);
      await eventually(() => sink.responses.length === 3, 5_000, 'the send that fills the buffer');
      for (let id = 0; id < 20; id += 1) await fixture.write([{ kind: 'Group', name: `groups/g${id}`, document: { displayName: `${id}` } }]);
      expect(hub.subscriptions).to.equal(0);
      sink.drain();
      await eventually(() => sink.responses.some((response) => response['isHardReset'] === true) && sink.responses[sink.responses.length - 1]?.['snapshotSize'] === 21, 5_000, 'reset and snapshot');
    });
  });
});
