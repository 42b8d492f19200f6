/**
 * Read-your-writes: every write answers `x-keystream-min-position`; List and BatchGet given that
 * position see the write (Get needs nothing: it reads the write model). Retries with the same
 * `x-request-id` answer the first result and append nothing.
 */
import { RESOURCES, type MethodDescriptor, type ResourceDescriptor } from '@keystream/api';
import { expect } from 'chai';
import { expectError } from './support/expectError.js';
import { valueAt } from './support/jsonPaths.js';
import { MIN_POSITION_HEADER, isCreatable, nameUnder, newId, parentOf, positionOf, primaryPattern } from './support/resourceFixtures.js';
import type { JsonObject, RestAnswer } from './support/restClient.js';
import { useKeystream } from './support/useKeystream.js';

function itemsOf(answer: RestAnswer, descriptor: ResourceDescriptor): JsonObject[] {
  expect(answer.status, answer.text).to.equal(200);
  return (answer.body[descriptor.plural] ?? []) as JsonObject[];
}

describe('read-your-writes with the position header (e2e)', () => {
  const suite = useKeystream();

  // Each kind's first List on a server loads the embedded read store's in-memory state of
  // that kind from LMDB, which currently drops documents whose key (`<kind>\0<name>`) is longer
  // than 64 bytes (reported with the e2e suite). Listing every kind once before this file creates
  // anything keeps these tests about read-your-writes; drop this hook once that bug is fixed.
  before(async () => {
    for (const descriptor of RESOURCES) {
      const parent = parentOf(nameUnder(primaryPattern(descriptor)));
      const answer = await suite.client.call(descriptor.standardMethods.list as MethodDescriptor, parent === '' ? {} : { parent });
      expect(answer.status, answer.text).to.equal(200);
    }
  });

  for (const descriptor of RESOURCES.filter((candidate) => isCreatable(candidate.kind))) {
    const { list, get, update, batchGet } = descriptor.standardMethods as Required<typeof descriptor.standardMethods>;

    it(`${descriptor.kind}: List and BatchGet given each write's position see the create, the update and the delete; Get sees them at once`, async () => {
      const run = newId('run');
      const created = await suite.fixtures.create(descriptor.kind, { labels: { run, step: 'created' } });
      const parent = parentOf(created.name);
      const listRun = async (position: string): Promise<JsonObject[]> =>
        itemsOf(await suite.client.call(list, { ...(parent === '' ? {} : { parent }), filter: `metadata.labels.run = "${run}"` }, { headers: { [MIN_POSITION_HEADER]: position } }), descriptor);

      expect((await listRun(created.position)).map((item) => item['name'])).to.deep.equal([created.name]);
      const updated = await suite.client.call(update, { [descriptor.singular]: { name: created.name, metadata: { labels: { run, step: 'updated' } } }, updateMask: 'metadata.labels' });
      expect(valueAt((await suite.client.call(get, { name: created.name })).body, 'metadata.labels.step')).to.equal('updated');
      expect((await listRun(positionOf(updated))).map((item) => valueAt(item, 'metadata.labels.step'))).to.deep.equal(['updated']);
      const batch = await suite.client.call(batchGet, { names: [created.name] }, { headers: { [MIN_POSITION_HEADER]: positionOf(updated) } });
      expect(itemsOf(batch, descriptor)).to.deep.equal([updated.body]);
      const deleted = await suite.fixtures.delete(descriptor.kind, created.name);
      expectError(await suite.client.call(get, { name: created.name }), 404, 'NOT_FOUND');
      expect(await listRun(positionOf(deleted))).to.deep.equal([]);
    });
  }

  describe('x-request-id', () => {
    it('should answer a retried update with the first result and append nothing', async () => {
      const created = await suite.fixtures.create('Group');
      const headers = { 'x-request-id': `update-${newId()}` };
      const request = { group: { name: created.name, displayName: 'first' }, updateMask: 'display_name' };
      const first = await suite.client.call('UpdateGroup', request, { headers });
      const retry = await suite.client.call('UpdateGroup', { ...request, group: { name: created.name, displayName: 'first' } }, { headers });
      expect(retry.body).to.deep.equal(first.body);
      expect(positionOf(retry)).to.equal(positionOf(first));
      expect(valueAt((await suite.client.call('GetGroup', { name: created.name })).body, 'metadata.resourceVersion')).to.equal(valueAt(first.body, 'metadata.resourceVersion'));
    });

    it('should answer a retried delete with {} instead of 404', async () => {
      const created = await suite.fixtures.create('Group');
      const headers = { 'x-request-id': `delete-${newId()}` };
      const first = await suite.client.call('DeleteGroup', { name: created.name }, { headers });
      const retry = await suite.client.call('DeleteGroup', { name: created.name }, { headers });
      expect([first.status, retry.status]).to.deep.equal([200, 200]);
      expect(positionOf(retry)).to.equal(positionOf(first));
      expectError(await suite.client.call('DeleteGroup', { name: created.name }), 404, 'NOT_FOUND');
    });

    it('should answer 400 INVALID_ARGUMENT naming a malformed request id', async () => {
      const draft = await suite.fixtures.draft('Group');
      expectError(await suite.fixtures.sendCreate(draft, { 'x-request-id': 'spaces are not allowed' }), 400, 'INVALID_ARGUMENT', 'x-request-id');
    });
  });

  describe('x-keystream-min-position', () => {
    it('should answer 400 INVALID_ARGUMENT naming a malformed position', async () => {
      expectError(await suite.client.call('ListGroups', {}, { headers: { [MIN_POSITION_HEADER]: 'not-a-position' } }), 400, 'INVALID_ARGUMENT', MIN_POSITION_HEADER);
      expectError(await suite.client.call('BatchGetGroups', { names: ['groups/g1'] }, { headers: { [MIN_POSITION_HEADER]: 'zz' } }), 400, 'INVALID_ARGUMENT', MIN_POSITION_HEADER);
    });
  });
});

describe('read-your-writes waits are bounded (e2e)', () => {
  const suite = useKeystream({ KEYSTREAM_MIN_POSITION_WAIT_MS: '150' });

  it('should answer 503 UNAVAILABLE when the read model does not reach the position in time', async () => {
    const created = await suite.fixtures.create('Group');
    const beyond = (BigInt(`0x${created.position}`) + 1000n).toString(16).padStart(created.position.length, '0');
    const started = Date.now();
    expectError(await suite.client.call('ListGroups', {}, { headers: { [MIN_POSITION_HEADER]: beyond } }), 503, 'UNAVAILABLE', beyond);
    expect(Date.now() - started).to.be.lessThan(5_000);

    expectError(await suite.client.call('SearchProjects', {}, { headers: { [MIN_POSITION_HEADER]: beyond } }), 503, 'UNAVAILABLE');
  });
});
