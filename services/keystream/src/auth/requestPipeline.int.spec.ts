/**
 * The request pipeline step by step, on the real cores: authentication and authorization refuse
 * before any handler runs, the authorization state is level with the event log at every call, list
 * narrowing rewrites the request the handler sees, the response mask and position header shape the
 * handler's answer, and the creator's owner binding is a follow-up write of the same request.
 */
import { expect } from 'chai';
import { BUILTIN_ROLES, IAM_SERVICE } from '@keystream/authz';
import { streamOf, type JsonObject } from '@keystream/domain';
import { CallAuthorization } from '@keystream/service-api';
import { methodByName } from '@keystream/api';
import { authTestSuite, outcomeOf, uniqueId } from './authTestWorld.js';

describe('request pipeline', function () {
  this.timeout(120_000);
  const suite = authTestSuite();
  const { project } = suite;

  describe('authenticate', () => {
    it('should refuse a token it cannot verify before any handler runs', async () => {
      const before = suite.world.reached();
      expect(await outcomeOf(suite.world.call('ListGroups', { parent: 'projects/x' }, 'not-a-token', { probe: true }))).to.equal('UNAUTHENTICATED');
      expect(suite.world.reached()).to.equal(before);
    });
  });

  describe('bring the authorization state up to date', () => {
    it('should apply a binding written straight to the event log to the very next call', async () => {
      const scope = await project();
      const email = `${uniqueId('direct')}@example.com`;
      const token = await suite.world.token(email);
      expect(await outcomeOf(suite.world.call('ListGroups', { parent: scope }, token))).to.equal('PERMISSION_DENIED');
      await suite.world.create('RoleBinding', { name: `${scope}/roleBindings/${uniqueId('b')}`, role: BUILTIN_ROLES.viewer, member: `user:${email}` });
      expect(await outcomeOf(suite.world.call('ListGroups', { parent: scope }, token))).to.equal('ok');
    });
  });

  describe('authorize', () => {
    it('should answer NOT_FOUND for a single resource, PERMISSION_DENIED naming the permission for the rest, and never reach the handler', async () => {
      const scope = await project();
      const token = await suite.world.token(`${uniqueId('outsider')}@example.com`);
      const authorization = new CallAuthorization(suite.world.dispatcher.app.authorizer, suite.world.dispatcher.app.index, suite.world.dispatcher.app.repository);
      const principal = await suite.world.dispatcher.principalOf({ authorization: `Bearer ${token}` });
      const before = suite.world.reached();
      expect(await outcomeOf(suite.world.call('GetProject', { name: scope }, token, { probe: true }))).to.equal('NOT_FOUND');
      try {
        await authorization.authorizeCall(principal, methodByName('ListGroups'), { parent: scope }, '127.0.0.1');
        expect.fail('allowed');
      } catch (error) {
        expect((error as Error).message).to.include(`${IAM_SERVICE}/permissions/groups.list`).and.to.include(scope);
      }
      expect(suite.world.reached()).to.equal(before);
    });

    it('should narrow a List of projects to those the caller may see, and answer an empty page without the handler when it sees none', async () => {
      const mine = await project();
      await project();
      const email = `${uniqueId('narrow')}@example.com`;
      const token = await suite.world.token(email);
      const before = suite.world.reached();
      const empty = await suite.world.call('ListProjects', {}, token, { probe: true });
      expect(empty.response).to.deep.equal({ projects: [] });
      expect(suite.world.reached()).to.equal(before);
      await suite.world.create('RoleBinding', { name: `${mine}/roleBindings/${uniqueId('b')}`, role: BUILTIN_ROLES.viewer, member: `user:${email}` });
      await suite.world.call('ListProjects', { filter: 'title = "x"' }, token, { probe: true });
      expect(suite.world.lastProbeRequest()).to.deep.equal({ filter: `(title = "x") AND name IN [${JSON.stringify(mine)}]` });
    });
  });

  describe('handler and response', () => {
    it('should apply the response mask to the handler\'s answer and answer the write\'s position', async () => {
      const scope = await project();
      const answer = await suite.world.call('CreateGroup', { parent: scope, group: { displayName: 'Masked' }, responseMask: { bodyMask: ['displayName'] } }, suite.admin);
      expect(answer.response).to.deep.equal({ displayName: 'Masked' });
      expect(answer.headers?.['x-keystream-min-position']).to.match(/^[0-9a-f]+$/);
    });
  });

  describe('one envelope per request', () => {
    it('should write the project and its creator\'s owner binding under one correlation id, the binding caused by the project\'s event', async () => {
      const name = `projects/${uniqueId('owned')}`;
      const requestId = uniqueId('req');
      await suite.world.call('CreateProject', { project: { name, title: name } }, suite.admin, { requestId });
      const [created] = await suite.world.eventStore.readStream(streamOf('Project', name));
      const [owner] = await suite.world.eventStore.readStream(streamOf('RoleBinding', `${name}/roleBindings/creator-owner`));
      expect(created?.metadata).to.include({ actor: 'user:admin@keystream.local', requestId, correlationId: requestId, causationId: requestId });
      expect(owner?.metadata).to.include({ actor: 'system', correlationId: requestId, causationId: created?.id, occurredAt: created?.metadata.occurredAt });
      expect((owner?.data['resource'] as JsonObject)['member']).to.equal('user:admin@keystream.local');
    });

    it('should append nothing new when the same request is retried', async () => {
      const name = `projects/${uniqueId('retried')}`;
      const requestId = uniqueId('req');
      const first = await suite.world.call('CreateProject', { project: { name, title: name } }, suite.admin, { requestId });
      const head = await suite.world.eventStore.headPosition();
      const retry = await suite.world.call('CreateProject', { project: { name, title: name } }, suite.admin, { requestId });
      expect(await suite.world.eventStore.headPosition()).to.equal(head);
      expect(retry.response).to.deep.equal(first.response);
      expect(retry.headers).to.deep.equal(first.headers);
    });
  });
});
