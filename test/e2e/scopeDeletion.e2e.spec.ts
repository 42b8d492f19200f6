/**
 * A scope's role bindings are its access policy: they do not block deleting the scope, they are
 * deleted with it (a new project already holds its creator's owner binding).
 */
import { expect } from 'chai';
import { resourceByKind } from '@keystream/api';
import { MIN_POSITION_HEADER, newId, positionOf } from './support/resourceFixtures.js';
import { useKeystream } from './support/useKeystream.js';

describe('deleting a scope', () => {
  const suite = useKeystream();

  for (const kind of ['Project', 'Organization'] as const) {
    describe(`having a new ${kind} with bindings`, () => {
      it('should delete it with every role binding under it', async () => {
        const scope = await suite.fixtures.create(kind);
        const pattern = resourceByKind('RoleBinding').namePatterns.find((candidate) => candidate.parentKinds[0] === kind);
        const extra = await suite.fixtures.create('RoleBinding', { ...(pattern === undefined ? {} : { pattern }), name: `${scope.name}/roleBindings/${newId()}` });
        const listed = await suite.client.call('ListRoleBindings', { parent: scope.name }, { headers: { [MIN_POSITION_HEADER]: extra.position } });
        const bindings = ((listed.body['roleBindings'] as { name: string }[] | undefined) ?? []).map((binding) => binding.name);
        expect(bindings).to.include(extra.name);

        const deleted = await suite.fixtures.delete(kind, scope.name);
        expect(deleted.status, deleted.text).to.equal(200);
        const after = await suite.client.call('ListRoleBindings', { parent: scope.name }, { headers: { [MIN_POSITION_HEADER]: positionOf(deleted) } });
        expect(after.body['roleBindings'] ?? []).to.deep.equal([]);
        for (const name of bindings) expect((await suite.client.call('GetRoleBinding', { name })).status).to.equal(404);
      });
    });
  }
});
