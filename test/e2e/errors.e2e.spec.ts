/**
 * The error model at the HTTP edge and in references between resources: every bad input is a
 * 4xx with the JSON error body naming what was wrong; nothing a caller sends yields a 5xx.
 */
import { expect } from 'chai';
import { expectError } from './support/expectError.js';
import { newId } from './support/resourceFixtures.js';
import { useKeystream } from './support/useKeystream.js';

describe('errors (e2e)', () => {
  const suite = useKeystream();

  describe('at the HTTP edge', () => {
    it('should answer 404 NOT_FOUND with a JSON error for an unknown route', async () => {
      expectError(await suite.client.send('GET', '/v1/planets'), 404, 'NOT_FOUND');
      expectError(await suite.client.send('GET', '/nothing/here'), 404, 'NOT_FOUND');
    });

    it('should answer 405 with an Allow header for a known path under another method', async () => {
      const answer = await suite.client.send('PATCH', '/v1/projects/p1');
      expect(answer.status).to.equal(405);
      expect(answer.headers.get('allow')).to.equal('DELETE, GET, PUT');
    });

    it('should answer 400 for malformed JSON, a body on a DELETE, and a body that is not an object', async () => {
      expectError(await suite.client.send('POST', '/v1/projects', '{"title": '), 400, 'INVALID_ARGUMENT', /not valid JSON/);
      expectError(await suite.client.send('DELETE', '/v1/projects/p1', { title: 'x' }), 400, 'INVALID_ARGUMENT', /takes no request body/);
      const project = await suite.fixtures.create('Project');
      expectError(await suite.client.send('POST', `/v1/${project.name}/groups`, [1, 2]), 400, 'INVALID_ARGUMENT', '(body)');
    });

    it('should answer 415 for a body that is not JSON', async () => {
      const answer = await suite.client.send('POST', '/v1/projects', '{}', { 'content-type': 'text/plain' });
      expect(answer.status).to.equal(415);
      expect((answer.body['error'] as Record<string, unknown>)['status']).to.equal('INVALID_ARGUMENT');
    });

    it('should answer 413 for a body over the configured limit (1 MiB by default)', async () => {
      const answer = await suite.client.send('POST', '/v1/projects', { title: 'x'.repeat(1024 * 1024 + 10) });
      expect(answer.status).to.equal(413);
    });

    it('should ignore an unknown query parameter, naming it in x-keystream-ignored-fields', async () => {
      const answer = await suite.client.send('GET', '/v1/projects?colour=red');
      expect(answer.status, answer.text).to.equal(200);
      expect(answer.headers.get('x-keystream-ignored-fields')).to.equal('colour');
    });

    it('should answer 400 naming repeated and mistyped query parameters', async () => {
      expectError(await suite.client.send('GET', '/v1/projects?filter=a&filter=b'), 400, 'INVALID_ARGUMENT', 'filter');
      expectError(await suite.client.send('GET', '/v1/projects?pageSize=many'), 400, 'INVALID_ARGUMENT', 'pageSize');
      expectError(await suite.client.send('GET', '/v1/projects?includePagingInfo=perhaps'), 400, 'INVALID_ARGUMENT', 'includePagingInfo');
      expectError(await suite.client.send('GET', '/v1/projects/p1?view=SIDEWAYS'), 400, 'INVALID_ARGUMENT', 'view');
    });

    it('should answer 400 for values the wire format refuses: int64 beyond 2^53, a __proto__ map key, an unknown enum value, a field in both cases', async () => {
      const project = await suite.fixtures.create('Project');
      const answers = [
        await suite.client.send('PUT', `/v1/${project.name}?updateMask=metadata.generation`, { metadata: { generation: '9007199254740993' } }),
        await suite.client.send('POST', '/v1/projects', JSON.stringify({ metadata: { labels: { ['__proto__']: 'x' } } }).replace('"labels":{}', '"labels":{"__proto__":"x"}')),
        await suite.client.send('POST', '/v1/projects', { businessTier: 'GIGANTIC' }),
        await suite.client.send('POST', '/v1/projects', { displayName: 'a', display_name: 'b' }),
      ];
      for (const answer of answers) expectError(answer, 400, 'INVALID_ARGUMENT');
      expect(answers[2]?.text).to.include('businessTier');
    });

    it('should never answer 5xx to a spread of malformed requests', async () => {
      const paths = ['/v1/projects/%ZZ', '/v1/projects/' + 'a'.repeat(5000), '/v1/roleBindings:batchGet?names=', '/v1/projects?pageToken=%00', '/v1/projects?filter=((((', '/v1/projects?orderBy=,,,', '/v1/projects?fieldMask=..'];
      for (const path of paths) {
        const answer = await suite.client.send('GET', path);
        expect(answer.status, `${path}: ${answer.text}`).to.be.within(400, 499);
      }
    });
  });

  describe('between resources', () => {
    it('should answer 400 naming role_binding.role when the bound Role does not exist', async () => {
      const answer = await suite.client.call('CreateRoleBinding', { roleBinding: { role: `services/${newId()}/roles/ghost`, member: 'user:bob@example.com' } });
      expectError(answer, 400, 'INVALID_ARGUMENT', 'role_binding.role');
    });

    it('should answer 400 naming each invitation binding role that does not exist', async () => {
      const project = await suite.fixtures.create('Project');
      const role = await suite.fixtures.existingRole();
      const answer = await suite.client.call('CreateProjectInvitation', {
        parent: project.name,
        projectInvitation: { invitation: { inviteeEmail: 'bob@example.com', bindingRoles: [{ role }, { role: `${project.name}/roles/ghost` }] } },
      });
      expectError(answer, 400, 'INVALID_ARGUMENT', 'invitation.binding_roles[1].role');
    });

    it('should answer 404 for a project-scoped Role whose project does not exist, while a service-scoped one needs no Service', async () => {
      const answer = await suite.client.call('CreateRole', { parent: `projects/${newId()}`, role: {} });
      expectError(answer, 404, 'NOT_FOUND', /parent Project/);
      expect((await suite.client.call('CreateRole', { parent: `services/${newId()}`, role: {} })).status).to.equal(200);
    });

    it('should answer 400 for a parent_organization that does not exist, and refuse to delete an organization a project names', async () => {
      expectError(await suite.client.call('CreateProject', { project: { parentOrganization: `organizations/${newId()}`, multiRegionPolicy: {} } }), 400, 'INVALID_ARGUMENT', 'parent_organization');
      const organization = await suite.fixtures.create('Organization');
      const project = await suite.fixtures.create('Project', { fields: { parentOrganization: organization.name } });
      expect(project.resource['rootOrganization']).to.equal(organization.name);
      expect(project.resource['ancestryPath']).to.deep.equal([organization.name]);
      expectError(await suite.client.call('DeleteOrganization', { name: organization.name }), 400, 'FAILED_PRECONDITION', organization.name);
      expect((await suite.fixtures.delete('Project', project.name)).status).to.equal(200);
      expect((await suite.fixtures.delete('Organization', organization.name)).status).to.equal(200);
    });

    it('should answer 400 for a malformed member', async () => {
      const group = await suite.fixtures.create('Group');
      expectError(await suite.client.call('CreateGroupMember', { parent: group.name, groupMember: { member: 'bob@example.com' } }), 400, 'INVALID_ARGUMENT', 'member');
    });
  });
});
