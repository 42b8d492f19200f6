/**
 * Update of every resource over HTTP on its primary route, generated from the descriptors:
 * update_mask, full replace, generation, CAS (compare-and-swap on metadata.resource_version and on
 * a spec field), allow_missing, immutable and output-only fields, response_mask, and errors.
 */
import { RESOURCES, messageDescriptor } from '@keystream/api';
import { expect } from 'chai';
import { expectError } from './support/expectError.js';
import { jsonPath, valueAt, withValueAt } from './support/jsonPaths.js';
import { isCreatable, nameUnder, positionOf, primaryPattern } from './support/resourceFixtures.js';
import { assertSamplesCover, sampleOf, specChangeOf } from './support/resourceSamples.js';
import type { JsonObject } from './support/restClient.js';
import { useKeystream } from './support/useKeystream.js';

assertSamplesCover(RESOURCES.map((descriptor) => descriptor.kind));

describe('Update of every resource (e2e)', () => {
  const suite = useKeystream();

  for (const descriptor of RESOURCES) {
    const kind = descriptor.kind;
    const update = descriptor.standardMethods.update;
    const get = descriptor.standardMethods.get;
    if (update === undefined || get === undefined) continue;
    const singular = descriptor.singular;
    const primary = primaryPattern(descriptor);
    const specChange = specChangeOf(descriptor);

    describe(`Update${kind}`, () => {
      if (!isCreatable(kind)) {
        it('should answer 404 NOT_FOUND for a resource that does not exist', async () => {
          const name = nameUnder(primary);
          expectError(await suite.client.call(update, { [singular]: { name } }), 404, 'NOT_FOUND', name);
        });

        it('should refuse allow_missing: only keystream creates these', async () => {
          const name = nameUnder(primary);
          const answer = await suite.client.call(update, { [singular]: { name }, allowMissing: true });
          if (messageDescriptor(update.requestType).field('allow_missing') === undefined) {
            // A field the contract lacks is ignored (and named); the update then finds nothing.
            expectError(answer, 404, 'NOT_FOUND');
            expect(answer.headers.get('x-keystream-ignored-fields')).to.match(/allow_?[mM]issing/);
          } else {
            expect(answer.status, answer.text).to.be.oneOf([400, 404]);
          }
          expectError(await suite.client.call(get, { name }), 404, 'NOT_FOUND');
        });
        return;
      }

      it('should change only the masked field, keep generation on a metadata-only change, and answer the position', async () => {
        const created = await suite.fixtures.create(kind, { labels: { colour: 'red' } });
        const changed = withValueAt(created.resource, 'metadata.labels', { colour: 'blue' });
        const answer = await suite.client.call(update, { [singular]: { name: created.name, metadata: { labels: { colour: 'blue' } } }, updateMask: 'metadata.labels' });
        expect(answer.status, answer.text).to.equal(200);
        expect(BigInt(`0x${positionOf(answer)}`) > BigInt(`0x${created.position}`), 'the update is after the create').to.equal(true);
        expect(valueAt(answer.body, 'metadata.labels')).to.deep.equal({ colour: 'blue' });
        expect(valueAt(answer.body, 'metadata.generation')).to.equal('1');
        expect(valueAt(answer.body, 'metadata.resourceVersion')).not.to.equal(valueAt(created.resource, 'metadata.resourceVersion'));
        expect(valueAt(answer.body, 'metadata.createTime')).to.equal(valueAt(created.resource, 'metadata.createTime'));
        // Everything outside the mask is as it was.
        const strip = (resource: JsonObject): JsonObject => withValueAt(resource, 'metadata', { ...(resource['metadata'] as JsonObject), updateTime: null, resourceVersion: null });
        expect(strip(answer.body)).to.deep.equal(strip(changed));
        expect((await suite.client.call(get, { name: created.name })).body).to.deep.equal(answer.body);
      });

      if (specChange !== undefined) {
        it(`should bump metadata.generation when a spec field changes (${specChange.path})`, async () => {
          const created = await suite.fixtures.create(kind);
          const answer = await suite.client.call(update, { [singular]: withValueAt({ name: created.name }, specChange.path, specChange.value), updateMask: specChange.path });
          expect(answer.status, answer.text).to.equal(200);
          expect(valueAt(answer.body, specChange.path)).to.deep.equal(specChange.value);
          expect(valueAt(answer.body, 'metadata.generation')).to.equal('2');
        });

        it('should replace the writable fields when no update_mask is given', async () => {
          const created = await suite.fixtures.create(kind, { labels: { colour: 'red' } });
          const replacement = withValueAt({ ...created.resource, metadata: {} }, specChange.path, specChange.value);
          const answer = await suite.client.call(update, { [singular]: replacement });
          expect(answer.status, answer.text).to.equal(200);
          expect(valueAt(answer.body, specChange.path)).to.deep.equal(specChange.value);
          expect(valueAt(answer.body, 'metadata.labels'), 'labels left out are cleared').to.equal(undefined);
          expect(valueAt(answer.body, 'metadata.uuid'), 'output-only metadata is kept').to.equal(valueAt(created.resource, 'metadata.uuid'));
        });
      }

      it('should apply a CAS on metadata.resource_version, and answer 409 ABORTED when it is stale', async () => {
        const created = await suite.fixtures.create(kind);
        const version = valueAt(created.resource, 'metadata.resourceVersion') as string;
        const cas = { conditionalState: { metadata: { resourceVersion: version } }, fieldMask: 'metadata.resource_version' };
        const first = await suite.client.call(update, { [singular]: { name: created.name, metadata: { labels: { step: 'one' } } }, updateMask: 'metadata.labels', cas });
        expect(first.status, first.text).to.equal(200);
        const stale = await suite.client.call(update, { [singular]: { name: created.name, metadata: { labels: { step: 'two' } } }, updateMask: 'metadata.labels', cas });
        expectError(stale, 409, 'ABORTED');
        const current = await suite.client.call(get, { name: created.name });
        expect(valueAt(current.body, 'metadata.labels')).to.deep.equal({ step: 'one' });
      });

      if (specChange !== undefined && !specChange.path.includes('.') && typeof specChange.value === 'string') {
        it(`should compare a CAS under its field mask (${specChange.path})`, async () => {
          const created = await suite.fixtures.create(kind, { fields: withValueAt({}, specChange.path, 'before') });
          const field = jsonPath(specChange.path);
          const mismatch = await suite.client.call(update, {
            [singular]: { name: created.name, [field]: 'after' },
            updateMask: specChange.path,
            cas: { conditionalState: { [field]: 'not what is stored' }, fieldMask: specChange.path },
          });
          expectError(mismatch, 409, 'ABORTED', field === specChange.path ? specChange.path : undefined);
          const match = await suite.client.call(update, {
            [singular]: { name: created.name, [field]: 'after' },
            updateMask: specChange.path,
            cas: { conditionalState: { [field]: 'before' }, fieldMask: specChange.path },
          });
          expect(match.status, match.text).to.equal(200);
          expect(match.body[field]).to.equal('after');
        });
      }

      it('should create the resource with allow_missing, and answer 404 NOT_FOUND without it', async () => {
        const draft = await suite.fixtures.draft(kind);
        expectError(await suite.client.call(update, { [singular]: draft.resource }), 404, 'NOT_FOUND', draft.name);
        const answer = await suite.client.call(update, { [singular]: draft.resource, allowMissing: true });
        expect(answer.status, answer.text).to.equal(200);
        positionOf(answer);
        expect(valueAt(answer.body, 'metadata.generation')).to.equal('1');
        expect((await suite.client.call(get, { name: draft.name })).body).to.deep.equal(answer.body);
      });

      if (primary.parentKinds.some((parentKind) => isCreatable(parentKind))) {
        it('should answer 404 NOT_FOUND for allow_missing under a parent that does not exist', async () => {
          const draft = await suite.fixtures.draft(kind, { withoutAncestors: true });
          expectError(await suite.client.call(update, { [singular]: draft.resource, allowMissing: true }), 404, 'NOT_FOUND', /parent/);
        });
      }

      for (const [path, value] of Object.entries(sampleOf(kind).immutableChanges ?? {})) {
        it(`should refuse a change of immutable ${path} with 400 INVALID_ARGUMENT naming it`, async () => {
          const created = await suite.fixtures.create(kind);
          const answer = await suite.client.call(update, { [singular]: withValueAt({ name: created.name }, path, value), updateMask: path });
          expectError(answer, 400, 'INVALID_ARGUMENT', `${singular}.${jsonPath(path)}`);
          expect((await suite.client.call(get, { name: created.name })).body).to.deep.equal(created.resource);
        });
      }

      it('should ignore output-only metadata given on update', async () => {
        const created = await suite.fixtures.create(kind);
        const forged = { uuid: 'forged', createTime: '2001-02-03T04:05:06Z', generation: '77', labels: { touched: 'yes' } };
        const answer = await suite.client.call(update, { [singular]: { name: created.name, metadata: forged }, updateMask: 'metadata' });
        expect(answer.status, answer.text).to.equal(200);
        expect(valueAt(answer.body, 'metadata.uuid')).to.equal(valueAt(created.resource, 'metadata.uuid'));
        expect(valueAt(answer.body, 'metadata.createTime')).to.equal(valueAt(created.resource, 'metadata.createTime'));
        expect(valueAt(answer.body, 'metadata.generation')).to.equal('1');
        expect(valueAt(answer.body, 'metadata.labels')).to.deep.equal({ touched: 'yes' });
      });

      it('should apply an update carrying the stored metadata.resource_version, and refuse a stale one with 409 ABORTED', async () => {
        const created = await suite.fixtures.create(kind);
        const version = valueAt(created.resource, 'metadata.resourceVersion') as string;
        const labelled = (colour: string): JsonObject => ({ [singular]: { name: created.name, metadata: { labels: { colour }, resourceVersion: version } }, updateMask: 'metadata.labels' });
        const first = await suite.client.call(update, labelled('red'));
        expect(first.status, first.text).to.equal(200);
        // A second writer that read the same version loses, instead of overwriting the first silently.
        expectError(await suite.client.call(update, labelled('blue')), 409, 'ABORTED', 'resource_version');
        expect(valueAt((await suite.client.call(get, { name: created.name })).body, 'metadata.labels')).to.deep.equal({ colour: 'red' });
      });

      it('should refuse an x-request-id reused with a different body, and still answer the true retry', async () => {
        const created = await suite.fixtures.create(kind);
        const headers = { 'x-request-id': `reuse-${created.name.replaceAll('/', '-')}` };
        const labelled = (colour: string): JsonObject => ({ [singular]: { name: created.name, metadata: { labels: { colour } } }, updateMask: 'metadata.labels' });
        const first = await suite.client.call(update, labelled('red'), { headers });
        expect(first.status, first.text).to.equal(200);
        expectError(await suite.client.call(update, labelled('blue'), { headers }), 400, 'INVALID_ARGUMENT', 'x-request-id');
        const retry = await suite.client.call(update, labelled('red'), { headers });
        expect(retry.status, retry.text).to.equal(200);
        expect(positionOf(retry)).to.equal(positionOf(first));
        expect(valueAt((await suite.client.call(get, { name: created.name })).body, 'metadata.labels')).to.deep.equal({ colour: 'red' });
      });

      it('should shape the answer by response_mask (skip the body; updated fields only)', async () => {
        const created = await suite.fixtures.create(kind);
        const skipped = await suite.client.call(update, {
          [singular]: { name: created.name, metadata: { labels: { a: '1' } } },
          updateMask: 'metadata.labels',
          responseMask: { skipEntireResponseBody: true },
        });
        expect(skipped.status, skipped.text).to.equal(200);
        expect(skipped.body).to.deep.equal({});
        positionOf(skipped);
        const onlyUpdated = await suite.client.call(update, {
          [singular]: { name: created.name, metadata: { labels: { a: '2' } } },
          updateMask: 'metadata.labels',
          responseMask: { updatedFieldsOnly: true },
        });
        expect(onlyUpdated.status, onlyUpdated.text).to.equal(200);
        expect(Object.keys(onlyUpdated.body).sort()).to.deep.equal(['metadata', 'name']);
        expect(valueAt(onlyUpdated.body, 'metadata.labels')).to.deep.equal({ a: '2' });
        expect(valueAt(onlyUpdated.body, 'metadata.uuid')).to.equal(undefined);
      });

      it('should answer a no-op update with the resource unchanged (no new version)', async () => {
        const created = await suite.fixtures.create(kind, { labels: { same: 'yes' } });
        const answer = await suite.client.call(update, { [singular]: { name: created.name, metadata: { labels: { same: 'yes' } } }, updateMask: 'metadata.labels' });
        expect(answer.status, answer.text).to.equal(200);
        expect(answer.body).to.deep.equal(created.resource);
      });

      it('should ignore an unknown field (naming it in x-keystream-ignored-fields) and answer 400 INVALID_ARGUMENT naming an unknown update_mask path and a missing name', async () => {
        const created = await suite.fixtures.create(kind);
        const ignored = await suite.client.call(update, { [singular]: { name: created.name, noSuchField: 'x' }, updateMask: 'metadata.labels' });
        expect(ignored.status, ignored.text).to.equal(200);
        expect(ignored.headers.get('x-keystream-ignored-fields')).to.match(/noSuchField/);
        expectError(await suite.client.call(update, { [singular]: { name: created.name }, updateMask: 'no_such_path' }), 400, 'INVALID_ARGUMENT', 'no_such_path');
        // Through the primary route the name is in the path, so a body naming another resource contradicts it.
        const route = update.routes.find((candidate) => candidate.primary);
        expect(route?.body.kind).to.equal('field');
        const other = nameUnder(primary);
        const path = `/v1/${created.name}`;
        expectError(await suite.client.send('PUT', path, { name: other }), 400, 'INVALID_ARGUMENT', other);
      });
    });
  }
});
