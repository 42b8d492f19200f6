import { RESOURCES, type ResourceDescriptor, type ResourceKind } from '@keystream/api';
import { expect } from 'chai';
import type { JsonObject } from '../events/resourceEvents.js';
import { DeciderSpecification, LATER, TEST_NOW, testContext } from '../testing/deciderSpecification.js';
import { LAST_MODIFIED_BY_ANNOTATION, lastModifiedByOf } from './lastModifiedBy.js';
import { referencesOf, type ResourceCommand } from './resourceDecider.js';

/** A name of the kind under its first pattern, with ids that fit every kind's id regex. */
function sampleName(descriptor: ResourceDescriptor, id = 'sample-1'): string {
  const pattern = descriptor.namePatterns[0]!;
  return pattern.segments.map((segment, index) => `${segment.collection}/${index === pattern.segments.length - 1 ? id : `${segment.idVariable.replaceAll('_', '-')}-1`}`).join('/');
}

/** The smallest valid resource of a kind (some kinds have required fields). */
function sampleResource(descriptor: ResourceDescriptor, name = sampleName(descriptor)): JsonObject {
  switch (descriptor.kind) {
    case 'RoleBinding':
      return { name, role: 'services/svc-1/roles/viewer', member: 'user:bob@example.com' };
    case 'GroupMember':
      return { name, member: 'user:bob@example.com' };
    case 'ProjectInvitation':
    case 'OrganizationInvitation':
      return { name, invitation: { inviteeEmail: 'bob@example.com', bindingRoles: [{ role: 'services/svc-1/roles/viewer' }] } };
    default:
      return { name };
  }
}

/** Every resource the sample refers to, as existing. */
function existingReferences(kind: ResourceKind, resource: JsonObject): Record<string, JsonObject> {
  return Object.fromEntries(referencesOf(kind, resource).map((reference) => [reference.name, { name: reference.name }]));
}

const CREATABLE = RESOURCES.filter((descriptor) => descriptor.standardMethods.create !== undefined);

describe('decideResource', () => {
  for (const descriptor of CREATABLE) {
    const kind = descriptor.kind;
    const resource = sampleResource(descriptor);
    const context = testContext({ references: existingReferences(kind, resource) });
    const created = DeciderSpecification.for(kind).given([]).when({ type: 'create', kind, resource }, context).then(() => undefined);
    const createdEvent = created.events[0]!;

    describe(`having a ${kind}`, () => {
      describe('when it is created', () => {
        it(`should emit ${kind}Created with the server's metadata`, () => {
          expect(createdEvent.type).to.equal(`${kind}Created`);
          expect((createdEvent.data['resource'] as JsonObject)['metadata']).to.deep.include({
            createTime: TEST_NOW,
            updateTime: TEST_NOW,
            uuid: '00000000-0000-4000-8000-000000000001',
            generation: 1,
            resourceVersion: '0',
            lifecycle: { state: 'ACTIVE' },
          });
        });

        it('should ignore output-only fields given in the request', () => {
          DeciderSpecification.for(kind)
            .given([])
            .when({ type: 'create', kind, resource: { ...resource, metadata: { createTime: '1999-01-01T00:00:00Z', uuid: 'forged', generation: 99 } } }, context)
            .then((events) => {
              const metadata = (events[0]!.data['resource'] as JsonObject)['metadata'] as JsonObject;
              expect([metadata['createTime'], metadata['uuid'], metadata['generation']]).to.deep.equal([TEST_NOW, '00000000-0000-4000-8000-000000000001', 1]);
            });
        });
      });

      describe('when it is written, by whom', () => {
        const name = resource['name'] as string;
        const forged = { annotations: { [LAST_MODIFIED_BY_ANNOTATION]: 'user:mallory@example.com', keep: 'me' } };
        const bob = testContext({ ...context, now: LATER, actor: 'user:bob@example.com' });
        const written = (events: readonly { data: JsonObject }[]): string | undefined => lastModifiedByOf(events[0]!.data['resource'] as JsonObject);

        it('should name the creating actor, whatever the request says', () => {
          expect(written(created.events)).to.equal('user:alice@example.com');
          DeciderSpecification.for(kind)
            .given([])
            .when({ type: 'create', kind, resource: { ...resource, metadata: forged } }, context)
            .then((events) => {
              expect(written(events)).to.equal('user:alice@example.com');
              expect(events[0]!.data['resource']).to.have.nested.property('metadata.annotations.keep', 'me');
            });
        });

        it('should name the updating actor, in the answer and the changed paths', () => {
          const decision = DeciderSpecification.for(kind)
            .given([createdEvent])
            .when({ type: 'update', kind, resource: { name, metadata: { labels: { env: 'prod' } } }, updateMask: ['metadata.labels'] }, bob)
            .then((events) => {
              expect(written(events)).to.equal('user:bob@example.com');
            });
          expect(lastModifiedByOf(decision.resource as JsonObject)).to.equal('user:bob@example.com');
          expect(decision.updatedPaths.some((path) => path.startsWith('metadata.annotations'))).to.equal(true);
        });

        it('should ignore a forged value: the author stays the real one, and a replace that only changes it appends nothing', () => {
          const stored = createdEvent.data['resource'] as JsonObject;
          for (const command of [
            { type: 'update', kind, resource: { name, metadata: forged }, updateMask: ['metadata.annotations'] },
            { type: 'update', kind, resource: { ...stored, metadata: { ...(stored['metadata'] as JsonObject), annotations: { [LAST_MODIFIED_BY_ANNOTATION]: 'system' } } } },
          ] as const) {
            const decision = DeciderSpecification.for(kind).given([createdEvent]).when(command, bob).then('updateMask' in command ? (events) => {
              // Only `keep` is new; the author is the real one.
              expect(written(events)).to.equal('user:bob@example.com');
            } : []);
            expect(lastModifiedByOf(decision.resource as JsonObject)).to.not.equal('user:mallory@example.com');
          }
        });

        it('should name the deleting actor in the final state', () => {
          DeciderSpecification.for(kind)
            .given([createdEvent])
            .when({ type: 'delete', kind, name }, bob)
            .then((events) => {
              expect(written(events)).to.equal('user:bob@example.com');
            });
        });
      });

      describe('when it is created again', () => {
        it('should refuse with ALREADY_EXISTS', () => {
          DeciderSpecification.for(kind).given([createdEvent]).when({ type: 'create', kind, resource }, context).thenThrows('ALREADY_EXISTS', /already exists/);
        });
      });

      describe('when its labels are updated under a mask', () => {
        it('should change them, bump resource_version and keep generation (metadata is not spec)', () => {
          DeciderSpecification.for(kind)
            .given([createdEvent])
            .when({ type: 'update', kind, resource: { name: resource['name'] as string, metadata: { labels: { env: 'prod' } } }, updateMask: ['metadata.labels'] }, testContext({ ...context, now: LATER }))
            .then((events) => {
              expect(events.map((event) => event.type)).to.deep.equal([`${kind}Updated`]);
              const metadata = (events[0]!.data['resource'] as JsonObject)['metadata'] as JsonObject;
              expect(metadata).to.deep.include({ labels: { env: 'prod' }, createTime: TEST_NOW, updateTime: LATER, generation: 1, resourceVersion: '1' });
              expect(events[0]!.data['updatedPaths']).to.include('metadata.labels.env');
            });
        });
      });

      describe('when an update changes nothing', () => {
        it('should emit no event and answer the stored resource', () => {
          const decision = DeciderSpecification.for(kind)
            .given([createdEvent])
            .when({ type: 'update', kind, resource: { name: resource['name'] as string }, updateMask: ['metadata.labels'] }, context)
            .then([]);
          expect(decision.resource).to.deep.equal(createdEvent.data['resource']);
        });
      });

      describe('when the conditional state no longer matches', () => {
        it('should refuse with ABORTED', () => {
          DeciderSpecification.for(kind)
            .given([createdEvent])
            .when(
              {
                type: 'update',
                kind,
                resource: { name: resource['name'] as string, metadata: { labels: { a: 'b' } } },
                updateMask: ['metadata.labels'],
                cas: { conditionalState: { metadata: { labels: { a: 'stale' } } }, fieldMask: ['metadata.labels'] },
              },
              context,
            )
            .thenThrows('ABORTED', /changed since conditional_state was read/);
        });
      });

      describe('when the update carries metadata.resource_version', () => {
        const name = resource['name'] as string;
        const labelled = (resourceVersion: string): ResourceCommand => ({
          type: 'update',
          kind,
          resource: { name, metadata: { labels: { a: 'b' }, resourceVersion } },
          updateMask: ['metadata.labels'],
        });

        it('should apply it when it is the stored version', () => {
          DeciderSpecification.for(kind)
            .given([createdEvent])
            .when(labelled('0'), context)
            .then((events) => {
              expect(((events[0]!.data['resource'] as JsonObject)['metadata'] as JsonObject)['resourceVersion']).to.equal('1');
            });
        });

        it('should refuse a stale or unknown version with ABORTED, naming both', () => {
          DeciderSpecification.for(kind).given([createdEvent, createdEvent]).when(labelled('0'), context).thenThrows('ABORTED', /at metadata\.resource_version 1, not 0/);
          DeciderSpecification.for(kind).given([createdEvent]).when(labelled('7'), context).thenThrows('ABORTED', /not 7/);
          DeciderSpecification.for(kind).given([]).when({ ...labelled('0'), allowMissing: true } as ResourceCommand, context).thenThrows('ABORTED', /does not exist/);
        });
      });

      describe('when a missing one is updated', () => {
        it('should refuse with NOT_FOUND, or create it with allow_missing', () => {
          DeciderSpecification.for(kind).given([]).when({ type: 'update', kind, resource }, context).thenThrows('NOT_FOUND', /does not exist/);
          DeciderSpecification.for(kind)
            .given([])
            .when({ type: 'update', kind, resource, allowMissing: true }, context)
            .then((events) => {
              expect(events.map((event) => event.type)).to.deep.equal([`${kind}Created`]);
            });
        });
      });

      describe('when it is deleted', () => {
        it(`should emit ${kind}Deleted with the last state, and allow the name to be reused`, () => {
          const deleted = DeciderSpecification.for(kind)
            .given([createdEvent])
            .when({ type: 'delete', kind, name: resource['name'] as string }, context)
            .then((events) => {
              expect(events[0]!.type).to.equal(`${kind}Deleted`);
              expect(((events[0]!.data['resource'] as JsonObject)['metadata'] as JsonObject)['deleteTime']).to.equal(TEST_NOW);
              expect(events[0]!.data['resource']).to.have.nested.property('metadata.lifecycle.state', 'DELETING');
            });
          DeciderSpecification.for(kind)
            .given([createdEvent, ...deleted.events])
            .when({ type: 'create', kind, resource }, context)
            .then((events) => {
              expect(((events[0]!.data['resource'] as JsonObject)['metadata'] as JsonObject)['resourceVersion']).to.equal('2');
            });
        });

        it('should refuse a delete of what does not exist, and of a parent with children', () => {
          DeciderSpecification.for(kind).given([]).when({ type: 'delete', kind, name: resource['name'] as string }, context).thenThrows('NOT_FOUND');
          DeciderSpecification.for(kind)
            .given([createdEvent])
            .when({ type: 'delete', kind, name: resource['name'] as string }, testContext({ ...context, childCount: 2 }))
            .thenThrows('FAILED_PRECONDITION', /still has 2 child resource/);
        });
      });
    });
  }

  describe('having a resource whose spec changes', () => {
    it('should bump generation', () => {
      const created = { type: 'GroupCreated', data: { resource: { name: 'groups/g1', displayName: 'a', metadata: { generation: 4, resourceVersion: '0' } } } };
      DeciderSpecification.for('Group')
        .given([created])
        .when({ type: 'update', kind: 'Group', resource: { name: 'groups/g1', displayName: 'b' }, updateMask: ['display_name'] })
        .then((events) => {
          expect(((events[0]!.data['resource'] as JsonObject)['metadata'] as JsonObject)['generation']).to.equal(5);
        });
    });
  });

  describe('having an immutable field', () => {
    const created = { type: 'RoleCreated', data: { resource: { name: 'projects/p1/roles/r1', category: 'USER', metadata: { generation: 1 } } } };

    it('should refuse an update that changes it, naming it', () => {
      DeciderSpecification.for('Role')
        .given([created])
        .when({ type: 'update', kind: 'Role', resource: { name: 'projects/p1/roles/r1', category: 'OWNER' }, updateMask: ['category'] }, testContext({ references: { 'projects/p1': {} } }))
        .thenThrows('INVALID_ARGUMENT', /role\.category: cannot be changed after creation/);
    });

    it('should keep it on a full replace that leaves it out', () => {
      DeciderSpecification.for('Role')
        .given([created])
        .when({ type: 'update', kind: 'Role', resource: { name: 'projects/p1/roles/r1', displayName: 'R' } }, testContext({ references: { 'projects/p1': {} } }))
        .then((events) => {
          expect(events[0]!.data['resource']).to.deep.include({ category: 'USER', displayName: 'R' });
        });
    });
  });

  describe('having a parent that does not exist', () => {
    it('should refuse the create with NOT_FOUND naming the parent', () => {
      DeciderSpecification.for('Role')
        .given([])
        .when({ type: 'create', kind: 'Role', resource: { name: 'projects/ghost/roles/r1' } })
        .thenThrows('NOT_FOUND', /parent Project projects\/ghost of projects\/ghost\/roles\/r1 does not exist/);
    });

    it('should check the project of a resource under a region (another service\'s kind)', () => {
      expect(referencesOf('ServiceAccount', { name: 'projects/p1/regions/eu/serviceAccounts/sa1' })).to.deep.equal([
        { kind: 'Project', name: 'projects/p1', field: 'parent' },
      ]);
    });
  });
});
