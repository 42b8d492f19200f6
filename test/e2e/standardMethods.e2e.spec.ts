/**
 * Create, Get, BatchGet, Delete and the single-resource Watch route of every resource, over HTTP on the primary
 * routes, generated from the resource descriptors: one describe block per kind.
 */
import { RESOURCES, messageDescriptor, type FieldDescriptor, type NamePattern, type ResourceDescriptor, type ResourceKind } from '@keystream/api';
import { expect } from 'chai';
import { expectError } from './support/expectError.js';
import { jsonPath, valueAt, withValueAt } from './support/jsonPaths.js';
import { asStored } from './support/resourceSamples.js';
import { MIN_POSITION_HEADER, isCreatable, nameUnder, newId, positionOf, primaryPattern } from './support/resourceFixtures.js';
import type { JsonObject } from './support/restClient.js';
import { useKeystream } from './support/useKeystream.js';

/** A malformed last id: `!` is outside every kind's id regex. */
const BAD_ID = 'bad!id';

/** The field a proto path names, walking nested messages. */
function fieldAt(descriptor: ResourceDescriptor, protoPath: string): FieldDescriptor | undefined {
  let message = descriptor.message;
  let field: FieldDescriptor | undefined;
  for (const part of protoPath.split('.')) {
    field = message.field(part);
    if (field === undefined) return undefined;
    if (field.value.kind === 'message' && field.cardinality === 'single') message = messageDescriptor(field.value.messageName);
  }
  return field;
}

/** A value a caller might forge for an output-only field, when its type makes one easy to write. */
function forgedValue(field: FieldDescriptor): unknown {
  if (field.cardinality !== 'single') return undefined;
  if (field.value.kind === 'scalar') {
    if (field.value.scalar === 'string') return 'forged-by-caller';
    if (field.value.scalar === 'int64') return '987654';
    if (field.value.scalar === 'timestamp') return '2001-02-03T04:05:06Z';
  }
  return undefined;
}

/** Top-level JSON fields the view's paths keep. */
function topLevelOf(paths: readonly string[]): Set<string> {
  return new Set(paths.map((path) => jsonPath(path).split('.')[0] as string));
}

/** A kind whose names can sit directly under the pattern's names, with the child pattern. */
function childPatternOf(pattern: NamePattern): { kind: ResourceKind; pattern: NamePattern } | undefined {
  for (const descriptor of RESOURCES) {
    if (!isCreatable(descriptor.kind)) continue;
    const child = descriptor.namePatterns.find(
      (candidate) =>
        candidate.segments.length === pattern.segments.length + 1 &&
        pattern.segments.every((segment, index) => candidate.segments[index]?.collection === segment.collection),
    );
    if (child !== undefined) return { kind: descriptor.kind, pattern: child };
  }
  return undefined;
}

describe('standard methods of every resource (e2e)', () => {
  const suite = useKeystream();

  for (const descriptor of RESOURCES) {
    const kind = descriptor.kind;
    const methods = descriptor.standardMethods;
    const primary = primaryPattern(descriptor);
    const creatable = isCreatable(kind);
    const hasHeldParent = primary.parentKinds.some((parentKind) => isCreatable(parentKind));

    describe(kind, () => {
      if (creatable) {
        describe(`Create${kind}`, () => {
          if (descriptor.idGeneration === 'random') {
            it('should generate an id under the parent and compute metadata, answering the position', async () => {
              const draft = await suite.fixtures.draft(kind, { generateName: true });
              const answer = await suite.fixtures.sendCreate(draft);
              expect(answer.status, answer.text).to.equal(200);
              positionOf(answer);
              const name = answer.body['name'] as string;
              const prefix = draft.parent === '' ? `${descriptor.plural}/` : `${draft.parent}/${descriptor.plural}/`;
              expect(name.startsWith(prefix), name).to.equal(true);
              expect(name.slice(prefix.length)).to.match(descriptor.idPattern);
              const metadata = answer.body['metadata'] as JsonObject;
              expect(metadata).to.include({ generation: '1' });
              expect(metadata['createTime']).to.be.a('string').and.equal(metadata['updateTime']);
              expect(metadata['uuid']).to.be.a('string').that.is.not.empty;
            });
          } else {
            it('should refuse a create without a name with 400 naming the name field (ids are chosen by the caller)', async () => {
              const draft = await suite.fixtures.draft(kind, { generateName: true });
              expectError(await suite.fixtures.sendCreate(draft), 400, 'INVALID_ARGUMENT', `${descriptor.singularProto}.name`);
            });
          }

          it('should create with the name the caller gives, and Get should return the same resource', async () => {
            const draft = await suite.fixtures.draft(kind);
            const answer = await suite.fixtures.sendCreate(draft);
            expect(answer.status, answer.text).to.equal(200);
            expect(answer.body['name']).to.equal(draft.name);
            const got = await suite.client.call(methods.get!, { name: draft.name });
            expect(got.status).to.equal(200);
            expect(got.body).to.deep.equal(asStored(kind, answer.body));
          });

          it('should ignore output-only fields given on input', async () => {
            let resource: JsonObject = {};
            const forged: string[] = [];
            for (const path of descriptor.outputOnlyPaths) {
              const field = fieldAt(descriptor, path);
              const value = field === undefined ? undefined : forgedValue(field);
              if (value === undefined) continue;
              resource = withValueAt(resource, path, value);
              forged.push(path);
            }
            expect(forged).to.include('metadata.uuid');
            const draft = await suite.fixtures.draft(kind);
            const answer = await suite.fixtures.sendCreate({ ...draft, resource: { ...resource, ...draft.resource } });
            expect(answer.status, answer.text).to.equal(200);
            for (const path of forged) expect(valueAt(answer.body, path), path).not.to.deep.equal(valueAt(resource, path));
            expect(valueAt(answer.body, 'metadata.generation')).to.equal('1');
          });

          it('should answer 409 ALREADY_EXISTS for a name that exists', async () => {
            const created = await suite.fixtures.create(kind);
            const draft = await suite.fixtures.draft(kind, { name: created.name });
            expectError(await suite.fixtures.sendCreate(draft), 409, 'ALREADY_EXISTS', created.name);
          });

          if (hasHeldParent) {
            it('should answer 404 NOT_FOUND when the parent does not exist', async () => {
              const draft = await suite.fixtures.draft(kind, { withoutAncestors: true });
              expectError(await suite.fixtures.sendCreate(draft), 404, 'NOT_FOUND', /parent .* does not exist/);
            });
          }

          it('should ignore an unknown field, as grpc-gateway does, and name it in x-keystream-ignored-fields', async () => {
            const draft = await suite.fixtures.draft(kind);
            const answer = await suite.fixtures.sendCreate({ ...draft, resource: { ...draft.resource, noSuchField: 1 } });
            expect(answer.status, answer.text).to.equal(200);
            expect(answer.headers.get('x-keystream-ignored-fields')).to.match(/noSuchField/);
            expect(answer.body).to.not.have.property('noSuchField');
          });

          it('should answer 400 INVALID_ARGUMENT for a name outside the id regex', async () => {
            const draft = await suite.fixtures.draft(kind);
            const name = `${draft.parent === '' ? '' : `${draft.parent}/`}${descriptor.plural}/${BAD_ID}`;
            expectError(await suite.fixtures.sendCreate({ ...draft, name, resource: { ...draft.resource, name } }), 400, 'INVALID_ARGUMENT');
          });

          it('should answer a retry with the same x-request-id with the first result, appending nothing', async () => {
            const draft = await suite.fixtures.draft(kind, { generateName: descriptor.idGeneration === 'random' });
            const headers = { 'x-request-id': `retry-${newId()}` };
            const first = await suite.fixtures.sendCreate(draft, headers);
            const retry = await suite.fixtures.sendCreate(draft, headers);
            expect(first.status, first.text).to.equal(200);
            expect(retry.status, retry.text).to.equal(200);
            expect(asStored(kind, retry.body)).to.deep.equal(asStored(kind, first.body));
            expect(positionOf(retry)).to.equal(positionOf(first));
          });
        });
      } else {
        it(`should offer no Create${kind}: the route answers 405 and names what it allows`, async () => {
          expect(methods.create).to.equal(undefined);
          const parent = nameUnder(primary).split('/').slice(0, -2).join('/');
          const answer = await suite.client.send('POST', `/v1/${parent}/${descriptor.plural}`, {});
          expect(answer.status).to.equal(405);
          expect(answer.headers.get('allow')).to.include('GET');
        });
      }

      describe(`Get${kind}`, () => {
        it('should answer 404 NOT_FOUND for a name that does not exist', async () => {
          const name = nameUnder(primary);
          expectError(await suite.client.call(methods.get!, { name }), 404, 'NOT_FOUND', name);
        });

        it('should answer 400 INVALID_ARGUMENT for a name outside the id regex', async () => {
          const name = `${nameUnder(primary).split('/').slice(0, -1).join('/')}/${BAD_ID}`;
          expectError(await suite.client.call(methods.get!, { name }), 400, 'INVALID_ARGUMENT');
        });

        if (creatable) {
          it('should shape the resource by view (NAME, BASIC, DETAIL, FULL) and field_mask', async () => {
            const created = await suite.fixtures.create(kind, { labels: { shaped: 'yes' } });
            const whole = created.resource;
            for (const view of ['NAME', 'BASIC', 'DETAIL'] as const) {
              const answer = await suite.client.call(methods.get!, { name: created.name, view });
              expect(answer.status, answer.text).to.equal(200);
              const paths = descriptor.views[view];
              if (paths === undefined) {
                expect(answer.body, `${view} is not defined for ${kind}: whole resource`).to.deep.equal(whole);
              } else {
                const kept = topLevelOf(paths);
                expect(Object.keys(answer.body).every((key) => kept.has(key)), `${view}: ${Object.keys(answer.body).join(',')}`).to.equal(true);
                expect(answer.body['name']).to.equal(created.name);
              }
            }
            expect((await suite.client.call(methods.get!, { name: created.name, view: 'FULL' })).body).to.deep.equal(whole);
            const masked = await suite.client.call(methods.get!, { name: created.name, fieldMask: 'name,metadata.labels' });
            expect(masked.body).to.deep.equal({ name: created.name, metadata: { labels: { shaped: 'yes' } } });
            const viewAndMask = await suite.client.call(methods.get!, { name: created.name, view: 'NAME', fieldMask: 'metadata.uuid' });
            expect(viewAndMask.body['metadata']).to.deep.equal({ uuid: valueAt(whole, 'metadata.uuid') });
            expect(viewAndMask.body['name']).to.equal(created.name);
          });

          it('should answer 400 INVALID_ARGUMENT for a field_mask naming no field', async () => {
            const created = await suite.fixtures.create(kind);
            expectError(await suite.client.call(methods.get!, { name: created.name, fieldMask: 'no_such_field' }), 400, 'INVALID_ARGUMENT', 'no_such_field');
          });
        }
      });

      describe(`BatchGet${descriptor.pluralKind}`, () => {
        if (creatable) {
          it('should return found resources in request order and list the missing names, shaped by field_mask', async () => {
            const first = await suite.fixtures.create(kind);
            const second = await suite.fixtures.create(kind);
            const missing = nameUnder(primary);
            const answer = await suite.client.call(
              methods.batchGet!,
              { names: [second.name, missing, first.name], fieldMask: 'name,metadata.uuid' },
              { headers: { [MIN_POSITION_HEADER]: second.position } },
            );
            expect(answer.status, answer.text).to.equal(200);
            expect(answer.body[descriptor.plural]).to.deep.equal([
              { name: second.name, metadata: { uuid: valueAt(second.resource, 'metadata.uuid') } },
              { name: first.name, metadata: { uuid: valueAt(first.resource, 'metadata.uuid') } },
            ]);
            expect(answer.body['missing']).to.deep.equal([missing]);
          });
        } else {
          it('should list every name as missing: only keystream creates these', async () => {
            const names = [nameUnder(primary), nameUnder(primary)];
            const answer = await suite.client.call(methods.batchGet!, { names });
            expect(answer.status, answer.text).to.equal(200);
            expect(answer.body[descriptor.plural] ?? []).to.deep.equal([]);
            expect(answer.body['missing']).to.deep.equal(names);
          });
        }

        it('should answer 400 INVALID_ARGUMENT without names, and naming a malformed one', async () => {
          expectError(await suite.client.call(methods.batchGet!, {}), 400, 'INVALID_ARGUMENT', 'names');
          const bad = `${nameUnder(primary).split('/').slice(0, -1).join('/')}/${BAD_ID}`;
          expectError(await suite.client.call(methods.batchGet!, { names: [nameUnder(primary), bad] }), 400, 'INVALID_ARGUMENT', 'names[1]');
        });
      });

      describe(`Delete${kind}`, () => {
        if (creatable) {
          it('should delete, answering {} and the position; Get and BatchGet then find nothing and a second delete is 404', async () => {
            const created = await suite.fixtures.create(kind);
            const answer = await suite.fixtures.delete(kind, created.name);
            expect(answer.status, answer.text).to.equal(200);
            expect(answer.body).to.deep.equal({});
            const position = positionOf(answer);
            expectError(await suite.client.call(methods.get!, { name: created.name }), 404, 'NOT_FOUND');
            const batch = await suite.client.call(methods.batchGet!, { names: [created.name] }, { headers: { [MIN_POSITION_HEADER]: position } });
            expect(batch.body['missing']).to.deep.equal([created.name]);
            expectError(await suite.client.call(methods.delete!, { name: created.name }), 404, 'NOT_FOUND');
          });

          it('should let the name be created again after a delete', async () => {
            const created = await suite.fixtures.create(kind);
            expect((await suite.fixtures.delete(kind, created.name)).status).to.equal(200);
            const again = await suite.fixtures.create(kind, { name: created.name });
            expect(again.resource['name']).to.equal(created.name);
            expect(valueAt(again.resource, 'metadata.uuid')).not.to.equal(valueAt(created.resource, 'metadata.uuid'));
          });

          const child = childPatternOf(primary);
          if (child !== undefined) {
            it(`should refuse with 400 FAILED_PRECONDITION while a ${child.kind} is under it, and delete once it is gone`, async () => {
              const created = await suite.fixtures.create(kind);
              const ids = Object.fromEntries(primary.segments.map((segment, index) => [segment.idVariable, created.name.split('/')[index * 2 + 1] as string]));
              const childCreated = await suite.fixtures.create(child.kind, { pattern: child.pattern, name: nameUnder(child.pattern, ids) });
              expectError(await suite.client.call(methods.delete!, { name: created.name }), 400, 'FAILED_PRECONDITION', created.name);
              expect((await suite.client.call(`Delete${child.kind}`, { name: childCreated.name })).status).to.equal(200);
              expect((await suite.fixtures.delete(kind, created.name)).status).to.equal(200);
            });
          }
        }

        it('should answer 404 NOT_FOUND for a name that does not exist', async () => {
          const name = nameUnder(primary);
          expectError(await suite.client.call(methods.delete!, { name }), 404, 'NOT_FOUND', name);
        });
      });

      describe(`Watch${kind}`, () => {
        it('should answer 404 NOT_FOUND for a name that does not exist', async () => {
          const name = nameUnder(primary);
          expectError(await suite.client.call(methods.watch!, { name }), 404, 'NOT_FOUND', name);
        });
      });
    });
  }

  describe('custom methods', () => {
    it('should answer NOT_FOUND naming an invitation that does not exist (AcceptProjectInvitation)', async () => {
      const name = `projects/${newId()}/projectInvitations/${newId()}`;
      const answer = await suite.client.call('AcceptProjectInvitation', { name });
      expectError(answer, 404, 'NOT_FOUND', name);
    });
  });
});
