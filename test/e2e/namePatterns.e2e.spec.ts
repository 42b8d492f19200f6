/**
 * The additional REST bindings: for every name pattern beyond a kind's first (projects/…,
 * organizations/…, services/… scopes), the standard methods on the routes that serve that pattern,
 * whose POST/PUT bindings take the whole request as body (docs/decisions.md).
 */
import { RESOURCES, type MethodDescriptor } from '@keystream/api';
import { expect } from 'chai';
import { expectError } from './support/expectError.js';
import { valueAt } from './support/jsonPaths.js';
import { MIN_POSITION_HEADER, isCreatable, parentOf, positionOf } from './support/resourceFixtures.js';
import { chooseRoute, type JsonObject } from './support/restClient.js';
import { useKeystream } from './support/useKeystream.js';

describe('standard methods on the additional bindings of every multi-pattern resource (e2e)', () => {
  const suite = useKeystream();

  for (const descriptor of RESOURCES) {
    if (!isCreatable(descriptor.kind)) continue;
    const { create, get, list, update, delete: remove, batchGet } = descriptor.standardMethods as Required<typeof descriptor.standardMethods>;
    for (const pattern of descriptor.namePatterns.slice(1)) {
      it(`${descriptor.kind} ${pattern.pattern}: Create, Get, List, BatchGet, Update and Delete on its own routes`, async () => {
        const draft = await suite.fixtures.draft(descriptor.kind, { pattern, labels: { scope: 'extra' } });
        /** Calls on the route that binds the request, asserting that it is not the primary binding. */
        const callOwnRoute = async (method: MethodDescriptor, request: JsonObject, headers: Record<string, string> = {}) => {
          const route = chooseRoute(method, request);
          expect(route.primary, `${method.name} on ${route.template.text}`).to.equal(false);
          return suite.client.call(method, request, { route, headers });
        };
        const created = await callOwnRoute(create, { parent: draft.parent, [descriptor.singular]: draft.resource });
        expect(created.status, created.text).to.equal(200);
        expect(created.body['name']).to.equal(draft.name);
        const got = await callOwnRoute(get, { name: draft.name });
        expect(got.body).to.deep.equal(created.body);
        // Filtered by the test's label: keystream may hold resources of its own under the parent.
        const listed = await callOwnRoute(list, { parent: parentOf(draft.name), filter: 'metadata.labels.scope = "extra"' }, { [MIN_POSITION_HEADER]: positionOf(created) });
        expect(listed.status, listed.text).to.equal(200);
        expect((listed.body[descriptor.plural] as JsonObject[]).map((item) => item['name'])).to.deep.equal([draft.name]);
        const batch = await suite.client.call(batchGet, { names: [draft.name] }, { headers: { [MIN_POSITION_HEADER]: positionOf(created) } });
        expect(batch.body[descriptor.plural]).to.deep.equal([created.body]);
        const updated = await callOwnRoute(update, { [descriptor.singular]: { name: draft.name, metadata: { labels: { scope: 'changed' } } }, updateMask: 'metadata.labels' });
        expect(updated.status, updated.text).to.equal(200);
        expect(valueAt(updated.body, 'metadata.labels')).to.deep.equal({ scope: 'changed' });
        const deleted = await callOwnRoute(remove, { name: draft.name });
        expect(deleted.status, deleted.text).to.equal(200);
        expectError(await callOwnRoute(get, { name: draft.name }), 404, 'NOT_FOUND');
      });
    }
  }

  it('should read the fields of a binding without a body from the query string, as clients of the real protos send them', async () => {
    const project = await suite.fixtures.create('Project');
    const answer = await suite.client.send('POST', `/v1/${project.name}/groups?group.display_name=from-query&group.metadata.labels[team]=core`);
    expect(answer.status, answer.text).to.equal(200);
    expect(answer.body).to.deep.include({ displayName: 'from-query' });
    expect((answer.body['metadata'] as Record<string, unknown>)['labels']).to.deep.equal({ team: 'core' });
  });

  it('should also take the whole request as a JSON body there, and refuse a field given both ways with different values', async () => {
    const project = await suite.fixtures.create('Project');
    const same = await suite.client.send('POST', `/v1/${project.name}/groups?group.displayName=x`, { group: { displayName: 'x' } });
    expect(same.status, same.text).to.equal(200);
    const different = await suite.client.send('POST', `/v1/${project.name}/groups?group.displayName=x`, { group: { displayName: 'y' } });
    expectError(different, 400, 'INVALID_ARGUMENT', 'group.displayName');
  });

  it('should refuse a body whose parent contradicts the path', async () => {
    const project = await suite.fixtures.create('Project');
    const answer = await suite.client.send('POST', `/v1/${project.name}/groups`, { parent: 'projects/elsewhere', group: {} });
    expectError(answer, 400, 'INVALID_ARGUMENT', 'parent');
  });
});
