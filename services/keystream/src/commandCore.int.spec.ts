/**
 * The command core (services/api/src/core) on the real embedded stores: a command that loses a
 * race is decided again on the fresh state and gives up with ABORTED after its bound; a retried
 * request id appends nothing new; deleting a scope deletes its role bindings as follow-up writes
 * of the same request, and a retried delete finishes a cascade its first attempt left undone.
 */
import { expect } from 'chai';
import { KeystreamError } from '@keystream/api';
import { BUILTIN_ROLES } from '@keystream/authz';
import { LAST_MODIFIED_BY_ANNOTATION, lastModifiedByOf, streamOf, type JsonObject } from '@keystream/domain';
import type { EventStore } from '@keystream/eventstore';
import { CommandService, followUpEnvelope, ResourceRepository, systemEnvelope, type CommandEnvelope, type FollowUpCreate } from '@keystream/service-api';
import { startAuthTestWorld, type AuthTestWorld } from './auth/authTestWorld.js';

let unique = 0;
function id(prefix: string): string {
  unique += 1;
  return `${prefix}${unique}x${Date.now().toString(36)}`;
}

/** An event store on which another writer updates the resource right before each of our appends. */
function racedStore(world: AuthTestWorld, race: () => Promise<void>, appends: { count: number }): EventStore {
  return new Proxy(world.eventStore, {
    get(target, property, receiver) {
      if (property !== 'append') return Reflect.get(target, property, receiver) as unknown;
      return async (...args: Parameters<EventStore['append']>) => {
        appends.count += 1;
        await race();
        return target.append(...args);
      };
    },
  });
}

async function codeOf(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return 'ok';
  } catch (error) {
    if (error instanceof KeystreamError) return error.code;
    throw error;
  }
}

describe('command core', function () {
  this.timeout(60_000);
  let world: AuthTestWorld;

  before(async () => {
    world = await startAuthTestWorld();
  });

  after(async () => {
    await world.close();
  });

  async function group(): Promise<string> {
    const scope = `projects/${id('p')}`;
    await world.create('Project', { name: scope, title: scope });
    const name = `${scope}/groups/${id('g')}`;
    await world.create('Group', { name, displayName: 'first' });
    return name;
  }

  describe('when another writer changes the resource between load and append', () => {
    it('should decide again on the fresh state, and answer ABORTED after 8 attempts, appending nothing of its own', async () => {
      const name = await group();
      let competing = 0;
      const appends = { count: 0 };
      const store = racedStore(world, async () => {
        competing += 1;
        await world.commands.execute({ type: 'update', kind: 'Group', resource: { name, displayName: `competitor ${competing}` }, updateMask: ['displayName'] }, systemEnvelope());
      }, appends);
      const raced = new CommandService(store, new ResourceRepository(store), world.children);
      const outcome = await codeOf(raced.execute({ type: 'update', kind: 'Group', resource: { name, description: 'mine' }, updateMask: ['description'] }, systemEnvelope()));
      expect(outcome).to.equal('ABORTED');
      expect(appends.count).to.equal(8);
      const events = await world.eventStore.readStream(streamOf('Group', name));
      expect(events.map((event) => (event.data['resource'] as { description?: string }).description)).to.not.include('mine');
      expect(events).to.have.length(1 + 8);
    });

    it('should re-check a CAS against the fresh state rather than append over the concurrent change', async () => {
      const name = await group();
      const appends = { count: 0 };
      let raced = false;
      const store = racedStore(world, async () => {
        if (raced) return;
        raced = true;
        await world.commands.execute({ type: 'update', kind: 'Group', resource: { name, displayName: 'changed meanwhile' }, updateMask: ['displayName'] }, systemEnvelope());
      }, appends);
      const commands = new CommandService(store, new ResourceRepository(store), world.children);
      const outcome = await codeOf(
        commands.execute({ type: 'update', kind: 'Group', resource: { name, description: 'only if first' }, updateMask: ['description'], cas: { conditionalState: { displayName: 'first' }, fieldMask: ['displayName'] } }, systemEnvelope()),
      );
      // The CAS fails on the second decision (ABORTED, as the contract answers a CAS mismatch): no second append is tried.
      expect(outcome).to.equal('ABORTED');
      expect(appends.count).to.equal(1);
      expect((await world.repository.liveResource('Group', name))?.['description']).to.equal(undefined);
    });

    it('should succeed on a later attempt when the race stops', async () => {
      const name = await group();
      const appends = { count: 0 };
      let races = 3;
      const store = racedStore(world, async () => {
        if (races === 0) return;
        races -= 1;
        await world.commands.execute({ type: 'update', kind: 'Group', resource: { name, displayName: `race ${races}` }, updateMask: ['displayName'] }, systemEnvelope());
      }, appends);
      const commands = new CommandService(store, new ResourceRepository(store), world.children);
      const result = await commands.execute({ type: 'update', kind: 'Group', resource: { name, description: 'mine' }, updateMask: ['description'] }, systemEnvelope());
      expect(appends.count).to.equal(4);
      expect(result.resource).to.include({ description: 'mine', displayName: 'race 0' });
    });
  });

  describe('when a request is retried with the same request id', () => {
    it('should append nothing and answer the first result, marked replayed, even for a create with a generated name', async () => {
      const scope = `projects/${id('p')}`;
      await world.create('Project', { name: scope, title: scope });
      const key = id('retry');
      const first = await world.commands.create({ kind: 'Group', parent: scope, resource: { displayName: 'once' } }, systemEnvelope(new Date(), key));
      const head = await world.eventStore.headPosition();
      const again = await world.commands.create({ kind: 'Group', parent: scope, resource: { displayName: 'once' } }, systemEnvelope(new Date(), key));
      expect(await world.eventStore.headPosition()).to.equal(head);
      expect(again).to.deep.include({ replayed: true, position: first.position });
      expect(again.resource).to.deep.equal(first.resource);
      expect(first.replayed).to.equal(false);
    });
  });

  describe('when a create has follow-up writes (a new scope\'s owner binding)', () => {
    const ownerOf = (scope: JsonObject, eventId: string, envelope: CommandEnvelope): FollowUpCreate[] => [
      {
        command: { type: 'create', kind: 'RoleBinding', resource: { name: `${scope['name'] as string}/roleBindings/creator-owner`, role: BUILTIN_ROLES.admin, member: 'user:owner@example.com' } },
        envelope: followUpEnvelope(envelope, eventId, ':owner'),
      },
    ];

    it('should append the scope and the binding in one multi-stream append', async () => {
      const calls: string[][] = [];
      const store = new Proxy(world.eventStore, {
        get(target, property, receiver) {
          if (property === 'append') return () => Promise.reject(new Error('a single-stream append was made'));
          if (property !== 'appendToStreams') return Reflect.get(target, property, receiver) as unknown;
          return (appends: Parameters<EventStore['appendToStreams']>[0]) => {
            calls.push(appends.map((append) => append.stream));
            return target.appendToStreams(appends);
          };
        },
      });
      const commands = new CommandService(store, new ResourceRepository(store), world.children);
      const name = `projects/${id('p')}`;
      const envelope = systemEnvelope(new Date(), id('req'));
      const result = await commands.createWithFollowUps({ kind: 'Project', resource: { name, title: name } }, envelope, (scope, eventId) => ownerOf(scope, eventId, envelope));
      expect(calls).to.deep.equal([[streamOf('Project', name), streamOf('RoleBinding', `${name}/roleBindings/creator-owner`)]]);
      expect(world.eventStore.atomicMultiStream).to.equal(true);
      expect(result.position).to.equal(await world.eventStore.headPosition());
    });

    it('should write, on a retry of the request, the binding a store without multi-stream transactions left unwritten', async () => {
      // A store that appends stream by stream and loses the connection after the first.
      const store = new Proxy(world.eventStore, {
        get(target, property, receiver) {
          if (property === 'atomicMultiStream') return false;
          if (property !== 'appendToStreams') return Reflect.get(target, property, receiver) as unknown;
          return async (appends: Parameters<EventStore['appendToStreams']>[0]) => {
            const [first] = appends;
            if (first !== undefined) await target.append(first.stream, first.events, first.expectedRevision);
            throw new Error('connection lost after the first stream');
          };
        },
      });
      const name = `projects/${id('p')}`;
      const key = id('req');
      const request = { kind: 'Project', resource: { name, title: name } } as const;
      const cut = new CommandService(store, new ResourceRepository(store), world.children);
      const first = systemEnvelope(new Date(), key);
      const outcome = await cut.createWithFollowUps(request, first, (scope, eventId) => ownerOf(scope, eventId, first)).then(
        () => 'ok',
        () => 'failed',
      );
      expect(outcome).to.equal('failed');
      expect(await world.repository.liveResource('Project', name)).to.not.equal(undefined);
      expect(await world.repository.liveResource('RoleBinding', `${name}/roleBindings/creator-owner`)).to.equal(undefined);
      const retry = systemEnvelope(new Date(), key);
      const answer = await world.commands.createWithFollowUps(request, retry, (scope, eventId) => ownerOf(scope, eventId, retry));
      expect(answer.replayed).to.equal(true);
      expect(await world.repository.liveResource('RoleBinding', `${name}/roleBindings/creator-owner`)).to.include({ member: 'user:owner@example.com' });
    });
  });

  describe('when principals write through the API', () => {
    it('should name each write\'s actor on the resource, as the event envelope does, and ignore a forged value', async () => {
      const admin = await world.token('admin@keystream.local');
      const scope = `projects/${id('p')}`;
      await world.call('CreateProject', { project: { name: scope, title: 'who', multiRegionPolicy: {} } }, admin);
      const forged = { annotations: { [LAST_MODIFIED_BY_ANNOTATION]: 'user:mallory@example.com' } };
      const created = (await world.call('CreateGroup', { parent: scope, group: { displayName: 'ops', metadata: forged } }, admin)).response as JsonObject;
      const name = created['name'] as string;
      expect(lastModifiedByOf(created)).to.equal('user:admin@keystream.local');
      // An update that only tries to set the author changes nothing (no GroupUpdated below).
      const updated = (await world.call('UpdateGroup', { group: { name, metadata: forged }, updateMask: ['metadata.annotations'] }, admin)).response as JsonObject;
      expect(lastModifiedByOf(updated)).to.equal('user:admin@keystream.local');
      await world.call('DeleteGroup', { name }, admin);
      await world.settle();
      // Every resource the log carries names the actor of the event that carries it.
      const events = await world.eventStore.readAll('', 1_000_000);
      const stamped = events.filter((event) => typeof event.data['resource'] === 'object' && event.data['resource'] !== null);
      const disagreeing = stamped.filter((event) => lastModifiedByOf(event.data['resource'] as JsonObject) !== event.metadata.actor);
      expect(disagreeing.map((event) => `${event.type} ${lastModifiedByOf(event.data['resource'] as JsonObject) ?? '-'} / ${event.metadata.actor}`)).to.deep.equal([]);
      const ours = stamped.filter((event) => event.stream === streamOf('Group', name)).map((event) => [event.type, lastModifiedByOf(event.data['resource'] as JsonObject)]);
      expect(ours).to.deep.equal([['GroupCreated', 'user:admin@keystream.local'], ['GroupDeleted', 'user:admin@keystream.local']]);
      // The read model (what List and watches serve) shows the same author.
      const owner = (await world.call('ListRoleBindings', { parent: scope }, admin)).response as { roleBindings: JsonObject[] };
      expect(owner.roleBindings.map(lastModifiedByOf)).to.deep.equal(['system']);
    });
  });

  describe('when a scope is deleted', () => {
    it('should delete its role bindings, each caused by the scope\'s deletion and correlated with the request', async () => {
      const scope = `projects/${id('p')}`;
      await world.create('Project', { name: scope, title: scope });
      const bindings = [`${scope}/roleBindings/${id('b')}`, `${scope}/roleBindings/${id('b')}`];
      for (const name of bindings) await world.create('RoleBinding', { name, role: BUILTIN_ROLES.viewer, member: `user:${id('u')}@example.com` });
      await world.settle();
      const envelope = systemEnvelope(new Date(), id('delete'));
      await world.commands.execute({ type: 'delete', kind: 'Project', name: scope }, envelope);
      const [, deleted] = await world.eventStore.readStream(streamOf('Project', scope));
      for (const name of bindings) {
        expect(await world.repository.liveResource('RoleBinding', name), name).to.equal(undefined);
        const [last] = await world.eventStore.readStream(streamOf('RoleBinding', name), { direction: 'backwards', limit: 1 });
        expect(last?.metadata).to.include({ actor: 'system', correlationId: envelope.requestId, causationId: deleted?.id });
      }
    });

    it('should finish, on a retry of the delete, the cascade its first attempt did not complete', async () => {
      const scope = `projects/${id('p')}`;
      await world.create('Project', { name: scope, title: scope });
      const binding = `${scope}/roleBindings/${id('b')}`;
      await world.create('RoleBinding', { name: binding, role: BUILTIN_ROLES.viewer, member: `user:${id('u')}@example.com` });
      await world.settle();
      const key = id('delete');
      // The first attempt appends the scope's deletion and is cut off before the cascade.
      let cutOff = true;
      const store = new Proxy(world.eventStore, {
        get(target, property, receiver) {
          if (property !== 'append') return Reflect.get(target, property, receiver) as unknown;
          return async (...args: Parameters<EventStore['append']>) => {
            const result = await target.append(...args);
            if (cutOff) throw new Error('connection lost after the append');
            return result;
          };
        },
      });
      const interrupted = new CommandService(store, new ResourceRepository(store), world.children);
      await interrupted.execute({ type: 'delete', kind: 'Project', name: scope }, systemEnvelope(new Date(), key)).catch(() => undefined);
      cutOff = false;
      expect(await world.repository.liveResource('Project', scope)).to.equal(undefined);
      expect(await world.repository.liveResource('RoleBinding', binding)).to.not.equal(undefined);
      await world.commands.execute({ type: 'delete', kind: 'Project', name: scope }, systemEnvelope(new Date(), key));
      expect(await world.repository.liveResource('RoleBinding', binding)).to.equal(undefined);
    });
  });
});
