import { isShared, methodByName, type KeystreamError } from '@keystream/api';
import { eventually } from '@keystream/api/testing';
import type { JsonObject } from '@keystream/readstore';
import { expect } from 'chai';
import { ChangeHub } from './changeHub.js';
import { openWatchStoreFixture, type WatchStoreFixture } from './testing/index.js';
import { WatchEngine } from './watchEngine.js';
import type { CanSee, WatchPrincipal } from './watchPrincipal.js';
import type { WatchSink } from './watchSink.js';

/** Records the response objects themselves (not copies), to see which ones watches share. */
class ObjectSink implements WatchSink {
  readonly responses: JsonObject[] = [];
  error: KeystreamError | undefined;
  send(response: JsonObject): boolean {
    this.responses.push(response);
    return true;
  }
  whenWritable(): Promise<void> {
    return Promise.resolve();
  }
  fail(error: KeystreamError): void {
    this.error = error;
  }
}

const WATCHES = 1000;
const PRINCIPALS = 10;

describe('WatchEngine fan-out groups', () => {
  let fixture: WatchStoreFixture;
  let hub: ChangeHub;
  let engine: WatchEngine;
  let sinks: ObjectSink[];
  let canSeeCalls: number;

  const principal = (index: number): WatchPrincipal => ({ subject: `user:p${index}@example.com` });
  const principalOf = (watch: number): number => watch % PRINCIPALS;

  beforeEach(async () => {
    fixture = openWatchStoreFixture();
    hub = new ChangeHub(fixture.store);
    await hub.start();
    canSeeCalls = 0;
    // A document is visible to the principal it names in `description`, or to everyone when it names nobody.
    const canSee: CanSee = (who, document) => {
      canSeeCalls += 1;
      const owner = document['description'];
      return owner === undefined || owner === '' || owner === who.subject;
    };
    engine = new WatchEngine({ store: fixture.store, hub, pageTokenKey: 'k'.repeat(32), canSee });
    await fixture.write([{ kind: 'Group', name: 'groups/seed', document: { displayName: 'red' } }]);
    sinks = [];
    for (let watch = 0; watch < WATCHES; watch += 1) {
      const sink = new ObjectSink();
      sinks.push(sink);
      engine.start(methodByName('WatchGroups'), { type: 'STATELESS', filter: 'displayName = "red"' }, sink, principal(principalOf(watch)));
    }
    // Snapshot sent (the seed, committed) and its snapshot size.
    await eventually(() => sinks.every((sink) => sink.responses.some((response) => response['snapshotSize'] === 1)), 20_000, 'every snapshot');
    for (const sink of sinks) sink.responses.length = 0;
  });

  afterEach(async () => {
    await engine.close();
    await hub.close();
    await fixture.close();
  });

  describe('when a change every watch may see is written', () => {
    it('should evaluate the filter once, and send every watch the same response carrying the change and the resume token', async () => {
      const before = { ...engine.fanoutStats };
      const position = await fixture.write([{ kind: 'Group', name: 'groups/a', document: { displayName: 'red' } }]);
      await eventually(() => sinks.every((sink) => sink.responses.length === 1), 10_000, 'the change at every watch');
      expect(engine.fanoutGroups).to.equal(1);
      // The new document's one version: one filter evaluation for 1,000 watches.
      expect(engine.fanoutStats.filterEvaluations - before.filterEvaluations).to.equal(1);
      // Visibility once per distinct principal.
      expect(engine.fanoutStats.visibilityChecks - before.visibilityChecks).to.equal(PRINCIPALS);
      expect(engine.fanoutStats.seriesBuilt - before.seriesBuilt).to.equal(1);
      const first = sinks[0]?.responses[0] as JsonObject;
      expect(first).to.deep.equal({
        groupChanges: [{ current: { group: { displayName: 'red', name: 'groups/a' } } }],
        snapshotSize: -1,
        isCurrent: true,
        resumeToken: position,
      });
      expect(isShared(first)).to.equal(true);
      for (const sink of sinks) expect(sink.responses[0]).to.equal(first);
    });
  });

  describe('when changes only some principals may see are written', () => {
    it('should send each watch exactly what its principal sees, sharing the response among principals who see alike', async () => {
      const before = { ...engine.fanoutStats };
      const calls = canSeeCalls;
      // One batch: a document for p3 only, a document for everyone, and the seed leaving the filter.
      const position = await fixture.write([
        { kind: 'Group', name: 'groups/mine', document: { displayName: 'red', description: principal(3).subject } },
        { kind: 'Group', name: 'groups/all', document: { displayName: 'red' } },
        { kind: 'Group', name: 'groups/seed', document: { displayName: 'blue' } },
      ]);
      await eventually(() => sinks.every((sink) => sink.responses.length === 1), 10_000, 'the batch at every watch');
      // Four document versions (the seed's before and after, the two new documents), each once.
      expect(engine.fanoutStats.filterEvaluations - before.filterEvaluations).to.equal(4);
      // Three versions pass the filter (the two new documents, the seed before it left), each decided once per principal.
      expect(canSeeCalls - calls).to.equal(3 * PRINCIPALS);
      // Two outcomes: p3's and everyone else's.
      expect(engine.fanoutStats.seriesBuilt - before.seriesBuilt).to.equal(2);
      for (const [watch, sink] of sinks.entries()) {
        const response = sink.responses[0] as JsonObject;
        const names = (response['groupChanges'] as JsonObject[]).map((change) => (change['current'] as { group: JsonObject } | undefined)?.group['name'] ?? (change['removed'] as { name: string }).name);
        // (The order within one position is the store's.)
        expect([...names].sort()).to.deep.equal(principalOf(watch) === 3 ? ['groups/all', 'groups/mine', 'groups/seed'] : ['groups/all', 'groups/seed']);
        expect(response['resumeToken']).to.equal(position);
      }
      const shared = new Set(sinks.map((sink) => sink.responses[0]));
      expect(shared.size).to.equal(2);
    });
  });

  describe('when a watch with another filter or mask is open beside them', () => {
    it('should evaluate it in its own group and send it only what it selects, through its mask', async () => {
      const other = new ObjectSink();
      engine.start(methodByName('WatchGroups'), { type: 'STATELESS', filter: 'displayName = "green"', fieldMask: ['displayName'] }, other, principal(0));
      await eventually(() => other.responses.some((response) => response['snapshotSize'] === 0), 5_000, 'the other snapshot');
      expect(engine.fanoutGroups).to.equal(2);
      const position = await fixture.write([{ kind: 'Group', name: 'groups/g', document: { displayName: 'green', description: '' } }]);
      // After the empty snapshot (is_current) and its snapshot size.
      await eventually(() => other.responses.length === 3, 5_000, 'the green change');
      expect(other.responses[2]).to.deep.equal({ groupChanges: [{ current: { group: { displayName: 'green', name: 'groups/g' } } }], snapshotSize: -1, isCurrent: true, resumeToken: position });
      await fixture.write([{ kind: 'Group', name: 'groups/r', document: { displayName: 'red' } }]);
      await eventually(() => sinks.every((sink) => sink.responses.length === 1), 10_000, 'the red change');
      expect(other.responses).to.have.length(3);
      for (const sink of sinks) expect(JSON.stringify(sink.responses[0])).to.not.contain('groups/g"');
    });
  });
});
