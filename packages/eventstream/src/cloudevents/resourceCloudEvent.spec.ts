import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { RESOURCES, encodeMessage, type MessageName } from '@keystream/api';
import type { JsonObject } from '@keystream/kernel';
import { cloudEventSourceOf, cloudEventTypeOf } from './keystreamCloudEvent.js';
import { resourceCloudEvent } from './resourceCloudEvent.js';

const TIME = '2026-03-04T05:06:07.089Z';

function group(name: string): JsonObject {
  return {
    name,
    displayName: 'Admins',
    email: 'admins@example.com',
    metadata: { createTime: TIME, updateTime: TIME, uuid: randomUUID(), generation: 7, resourceVersion: '3', labels: { team: 'iam' }, lifecycle: { state: 'ACTIVE' } },
  };
}

function event(verb: string, resource: JsonObject, kind = 'Group'): ReturnType<typeof resourceCloudEvent> {
  return resourceCloudEvent({ id: 'e-1', kind, verb, name: resource['name'] as string, resource, position: '00000000000000000000000000000abc', revision: 3, time: TIME });
}

describe('resourceCloudEvent', () => {
  describe('having an update of a project group', () => {
    it('should carry the CloudEvents attributes: id, source = service and scope, versioned type, subject = name', () => {
      const published = event('Updated', group('projects/p1/groups/admins'));
      expect(published).to.include({
        specversion: '1.0',
        id: 'e-1',
        source: '//iam.edgelq.com/projects/p1',
        type: 'com.edgelq.iam.v1.group.updated',
        subject: 'projects/p1/groups/admins',
        partitionkey: 'projects/p1/groups/admins',
        time: TIME,
        datacontenttype: 'application/json',
        keystreamposition: '00000000000000000000000000000abc',
        keystreamrevision: 3,
      });
    });

    it('should carry the resource as the API writes it: int64 as a string, lowerCamelCase names, exactly the wire codec', () => {
      const resource = group('projects/p1/groups/admins');
      const published = event('Updated', resource);
      expect(published.data).to.deep.equal(encodeMessage('Group', resource as never));
      expect(published.data).to.have.nested.property('metadata.generation', '7');
      expect(published.data).to.have.nested.property('displayName', 'Admins');
    });
  });

  describe('having a deletion', () => {
    it('should carry the final state with lifecycle DELETING and a delete time, even when the recorded state says ACTIVE', () => {
      const published = event('Deleted', group('organizations/o1/groups/g'));
      expect(published.type).to.equal('com.edgelq.iam.v1.group.deleted');
      expect(published.data).to.have.nested.property('metadata.lifecycle.state', 'DELETING');
      expect(published.data).to.have.nested.property('metadata.deleteTime', TIME);
      expect(published.data).to.include({ name: 'organizations/o1/groups/g', displayName: 'Admins' });
    });
  });

  describe('having a kind the contract does not have', () => {
    it('should throw', () => {
      expect(() => event('Created', { name: 'things/t' }, 'Thing')).to.throw(/unknown resource kind Thing/);
    });
  });
});

describe('cloudEventTypeOf', () => {
  it('should spell every kind as its proto name under com.edgelq.iam.v1', () => {
    expect(cloudEventTypeOf('ServiceAccountKey', 'Created')).to.equal('com.edgelq.iam.v1.service_account_key.created');
    for (const resource of RESOURCES) expect(cloudEventTypeOf(resource.kind, 'Deleted')).to.equal(`com.edgelq.iam.v1.${resource.singularProto}.deleted`);
  });
});

describe('cloudEventSourceOf', () => {
  it('should name the project, organization or service a resource lives in, else the service root', () => {
    expect(cloudEventSourceOf('projects/p1')).to.equal('//iam.edgelq.com/projects/p1');
    expect(cloudEventSourceOf('projects/p1/regions/eu/serviceAccounts/sa/serviceAccountKeys/k')).to.equal('//iam.edgelq.com/projects/p1');
    expect(cloudEventSourceOf('organizations/o/roleBindings/b')).to.equal('//iam.edgelq.com/organizations/o');
    expect(cloudEventSourceOf('services/s.edgelq.com/permissions/x')).to.equal('//iam.edgelq.com/services/s.edgelq.com');
    expect(cloudEventSourceOf('users/u1')).to.equal('//iam.edgelq.com');
    expect(cloudEventSourceOf('regions/eu/memberAssignments/m')).to.equal('//iam.edgelq.com');
  });
});

describe('the data of every kind', () => {
  it('should be the wire encoding of the resource message', () => {
    for (const resource of RESOURCES) {
      const internal = { name: 'x', metadata: { generation: 2 } };
      const published = resourceCloudEvent({ id: 'e', kind: resource.kind, verb: 'Created', name: 'x', resource: internal, position: '1', revision: 0, time: TIME });
      expect(published.data, resource.kind).to.deep.equal(encodeMessage(resource.kind as MessageName, internal as never));
    }
  });
});
