import { methodByName } from '@keystream/api';
import { eventually } from '@keystream/api/testing';
import type { JsonObject } from '@keystream/readstore';
import { expect } from 'chai';
import { ChangeHub } from './changeHub.js';
import { openWatchStoreFixture, RecordingSink, type WatchStoreFixture } from './testing/index.js';
import { WatchEngine } from './watchEngine.js';
import type { CanSee, WatchPrincipal } from './watchPrincipal.js';

/** The changes of every response, flattened. */
function changesOf(sink: RecordingSink): JsonObject[] {
  return sink.responses.flatMap((response) => (response['groupChanges'] as JsonObject[] | undefined) ?? (response['change'] === undefined ? [] : [response['change'] as JsonObject]));
}

describe('WatchEngine authorization changes', () => {
  let fixture: WatchStoreFixture;
  let hub: ChangeHub;
  let engine: WatchEngine;
  /** Names the principal may see; `version` moves with every change of it, as the authorizer's generation does. */
  let visible: Set<string>;
  let version: number;
  let decisions: number;

  const group = (id: string): { kind: string; name: string; document: JsonObject } => ({ kind: 'Group', name: `groups/${id}`, document: { displayName: id } });

  /** Changes what the principal may see, then publishes an unrelated entry, as a changed binding would. */
  async function changeRights(change: () => void): Promise<void> {
    change();
    version += 1;
    await fixture.write([{ kind: 'RoleBinding', name: `roleBindings/r${version}`, document: { role: 'r' } }]);
  }

  beforeEach(async () => {
    fixture = openWatchStoreFixture();
    hub = new ChangeHub(fixture.store);
    await hub.start();
    visible = new Set();
    version = 1;
    decisions = 0;
    const canSee: CanSee = (_principal, document) => {
      decisions += 1;
      return visible.has(document['name'] as string);
    };
    engine = new WatchEngine({ store: fixture.store, hub, pageTokenKey: 'k'.repeat(32), canSee, authorizationVersion: () => version });
  });

  afterEach(async () => {
    await engine.close();
    await hub.close();
    await fixture.close();
  });

  describe('having a stateless watch after its snapshot', () => {
    let sink: RecordingSink;

    beforeEach(async () => {
      await fixture.write([group('a'), group('b'), group('c')]);
      visible = new Set(['groups/a', 'groups/b']);
      sink = new RecordingSink();
      engine.start(methodByName('WatchGroups'), { type: 'STATELESS' }, sink);
      await eventually(() => sink.responses.length === 2, 5_000, 'the snapshot');
      expect(sink.responses[1]).to.deep.equal({ snapshotSize: 2 });
    });

    describe('when the principal loses one document and gains another', () => {
      it('should send Removed and Current in one committed series, then the new count', async () => {
        await changeRights(() => {
          visible = new Set(['groups/b', 'groups/c']);
        });
        await eventually(() => sink.responses.length === 4, 5_000, 'the correction');
        const correction = sink.responses[2] as JsonObject;
        expect(correction['groupChanges']).to.deep.equal([{ removed: { name: 'groups/a' } }, { current: { group: { name: 'groups/c', displayName: 'c' } } }]);
        expect(correction['isCurrent']).to.equal(true);
        expect(correction['resumeToken']).to.be.a('string');
        expect(sink.responses[3]).to.deep.equal({ snapshotSize: 2 });
      });

      it('should then treat a change of the lost document as invisible and of the held one as usual', async () => {
        await changeRights(() => {
          visible = new Set(['groups/b']);
        });
        await eventually(() => sink.responses.length === 4, 5_000, 'the correction');
        await fixture.write([{ kind: 'Group', name: 'groups/a', document: { displayName: 'a2' } }]);
        await fixture.write([{ kind: 'Group', name: 'groups/b', document: { displayName: 'b2' } }]);
        await eventually(() => sink.responses.length === 5, 5_000, 'the change of b');
        expect(sink.responses[4]?.['groupChanges']).to.deep.equal([{ current: { group: { name: 'groups/b', displayName: 'b2' } } }]);
      });
    });

    describe('when the rights move without touching what the watch shows', () => {
      it('should send nothing', async () => {
        await changeRights(() => {
          visible.add('groups/unrelated');
        });
        await fixture.write([{ kind: 'Group', name: 'groups/b', document: { displayName: 'b2' } }]);
        // The next visible change arrives, and nothing came before it. It comes from the tail, or
        // folded into the re-decision when that read the store after the write (then followed by
        // the count): either way the only change after the snapshot is b's.
        await eventually(() => changesOf(sink).length >= 3, 5_000, 'the change of b');
        expect(changesOf(sink).slice(2)).to.deep.equal([{ current: { group: { name: 'groups/b', displayName: 'b2' } } }]);
      });
    });
  });

  describe('having a stateless watch resumed from a token', () => {
    describe('when the rights move', () => {
      it('should send Removed for what it lost and Current for what it gained, never a hard reset', async () => {
        await fixture.write([group('a')]);
        visible = new Set(['groups/a']);
        const token = (await (async () => {
          const first = new RecordingSink();
          const handle = engine.start(methodByName('WatchGroups'), { type: 'STATELESS' }, first);
          await eventually(() => first.responses.length === 2, 5_000, 'the first snapshot');
          handle.close();
          return first.responses[0]?.['resumeToken'];
        })()) as string;
        const sink = new RecordingSink();
        engine.start(methodByName('WatchGroups'), { type: 'STATELESS', resumeToken: token }, sink);
        await eventually(() => sink.responses.length === 1, 5_000, 'the resume');
        await fixture.write([group('b')]);
        await changeRights(() => {
          visible = new Set(['groups/b']);
        });
        await eventually(() => sink.responses[sink.responses.length - 1]?.['snapshotSize'] === 1, 5_000, 'the correction and its count');
        expect(sink.responses.some((response) => response['isHardReset'] === true)).to.equal(false);
        expect(changesOf(sink)).to.deep.equal([{ removed: { name: 'groups/a' } }, { current: { group: { name: 'groups/b', displayName: 'b' } } }]);
      });
    });
  });

  describe('having a stateful watch', () => {
    describe('when the principal loses a document on its page and gains another', () => {
      it('should diff the page: Removed and Added with view indexes', async () => {
        await fixture.write([group('a'), group('b'), group('c')]);
        visible = new Set(['groups/a', 'groups/b']);
        const sink = new RecordingSink();
        engine.start(methodByName('WatchGroups'), { type: 'STATEFUL', orderBy: 'name' }, sink);
        await eventually(() => sink.responses.length === 1, 5_000, 'the page');
        await changeRights(() => {
          visible = new Set(['groups/b', 'groups/c']);
        });
        await eventually(() => sink.responses.length === 2, 5_000, 'the page diff');
        expect(sink.responses[1]?.['groupChanges']).to.deep.equal([
          { removed: { name: 'groups/a', viewIndex: 0 } },
          { added: { group: { name: 'groups/c', displayName: 'c' }, viewIndex: 1 } },
        ]);
      });
    });
  });

  describe('having a single-resource watch', () => {
    describe('when the principal loses the resource, then gains it back', () => {
      it('should send Removed, then Current', async () => {
        await fixture.write([group('aa')]);
        visible = new Set(['groups/aa']);
        const sink = new RecordingSink();
        engine.start(methodByName('WatchGroup'), { name: 'groups/aa' }, sink);
        await eventually(() => sink.responses.length === 1, 5_000, 'the current state');
        await changeRights(() => {
          visible = new Set();
        });
        await eventually(() => sink.responses.length === 2, 5_000, 'Removed');
        await changeRights(() => {
          visible = new Set(['groups/aa']);
        });
        await eventually(() => sink.responses.length === 3, 5_000, 'Current again');
        expect(changesOf(sink)).to.deep.equal([
          { current: { group: { name: 'groups/aa', displayName: 'aa' } } },
          { removed: { name: 'groups/aa' } },
          { current: { group: { name: 'groups/aa', displayName: 'aa' } } },
        ]);
        expect(sink.error).to.equal(undefined);
      });
    });
  });

  describe('when the version does not move', () => {
    it('should not re-decide anything for batches of other kinds', async () => {
      await fixture.write([group('a')]);
      visible = new Set(['groups/a']);
      const sink = new RecordingSink();
      engine.start(methodByName('WatchGroups'), { type: 'STATELESS' }, sink);
      await eventually(() => sink.responses.length === 2, 5_000, 'the snapshot');
      const before = decisions;
      for (let index = 0; index < 5; index += 1) await fixture.write([{ kind: 'RoleBinding', name: `roleBindings/x${index}`, document: { role: 'r' } }]);
      await eventually(() => hub.position === fixture.position, 5_000, 'the tail to pass the writes');
      expect(decisions).to.equal(before);
      expect(sink.responses).to.have.length(2);
    });
  });

  describe('when the rights of only some principals move', () => {
    /** Names each subject may see; `moved` lists the subjects each version's change touched. */
    let rights: Map<string, Set<string>>;
    let moved: Map<number, string[]>;
    let queries: number;
    let scoped: WatchEngine;
    const alice: WatchPrincipal = { subject: 'user:alice@example.com' };
    const bob: WatchPrincipal = { subject: 'user:bob@example.com' };

    async function changeRightsOf(subject: string, names: string[]): Promise<void> {
      rights.set(subject, new Set(names));
      version += 1;
      moved.set(version, [subject]);
      await fixture.write([{ kind: 'RoleBinding', name: `roleBindings/r${version}`, document: { role: 'r' } }]);
    }

    beforeEach(async () => {
      await engine.close();
      rights = new Map([
        [alice.subject, new Set(['groups/a'])],
        [bob.subject, new Set(['groups/a'])],
      ]);
      moved = new Map();
      queries = 0;
      const store = new Proxy(fixture.store, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if (property === 'query') queries += 1;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
      scoped = new WatchEngine({
        store,
        hub,
        pageTokenKey: 'k'.repeat(32),
        canSee: (principal, document) => rights.get(principal.subject)?.has(document['name'] as string) === true,
        authorizationVersion: () => version,
        rightsMoved: (principal, since) => [...moved].some(([at, subjects]) => at > since && subjects.includes(principal.subject)),
      });
      await fixture.write([group('a'), group('b')]);
    });

    afterEach(async () => {
      await scoped.close();
    });

    it('should send nothing to, and query nothing for, a watch of an unaffected principal', async () => {
      const watching = new RecordingSink();
      scoped.start(methodByName('WatchGroups'), { type: 'STATELESS' }, watching, alice);
      await eventually(() => watching.responses.length === 2, 5_000, 'the snapshot');
      const before = queries;
      await changeRightsOf(bob.subject, ['groups/a', 'groups/b']);
      await fixture.write([{ kind: 'Group', name: 'groups/a', document: { displayName: 'a2' } }]);
      await eventually(() => watching.responses.length === 3, 5_000, 'the change of a');
      expect(changesOf(watching).slice(1)).to.deep.equal([{ current: { group: { name: 'groups/a', displayName: 'a2' } } }]);
      expect(watching.responses.some((response) => response['isHardReset'] === true)).to.equal(false);
      expect(queries - before).to.equal(0);
    });

    it('should leave a resumed watch of an unaffected principal alone and correct an affected one', async () => {
      const first = new RecordingSink();
      const handle = scoped.start(methodByName('WatchGroups'), { type: 'STATELESS' }, first, alice);
      await eventually(() => first.responses.length === 2, 5_000, 'the first snapshot');
      handle.close();
      const token = first.responses[0]?.['resumeToken'] as string;
      const aliceSink = new RecordingSink();
      const bobSink = new RecordingSink();
      scoped.start(methodByName('WatchGroups'), { type: 'STATELESS', resumeToken: token }, aliceSink, alice);
      scoped.start(methodByName('WatchGroups'), { type: 'STATELESS', resumeToken: token }, bobSink, bob);
      await eventually(() => aliceSink.responses.length === 1 && bobSink.responses.length === 1, 5_000, 'the resumes');
      const before = queries;
      await changeRightsOf(bob.subject, ['groups/b']);
      await eventually(() => bobSink.responses[bobSink.responses.length - 1]?.['snapshotSize'] === 1, 5_000, "bob's correction");
      expect(changesOf(bobSink)).to.deep.equal([{ removed: { name: 'groups/a' } }, { current: { group: { name: 'groups/b', displayName: 'b' } } }]);
      expect(bobSink.responses.some((response) => response['isHardReset'] === true)).to.equal(false);
      // One query: bob's re-check. Alice's watch neither queried nor sent anything.
      expect(queries - before).to.equal(1);
      await fixture.write([{ kind: 'Group', name: 'groups/a', document: { displayName: 'a2' } }]);
      await eventually(() => aliceSink.responses.length === 2, 5_000, "alice's change of a");
      expect(changesOf(aliceSink)).to.deep.equal([{ current: { group: { name: 'groups/a', displayName: 'a2' } } }]);
    });
  });
});
