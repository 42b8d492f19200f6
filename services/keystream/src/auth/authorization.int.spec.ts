/**
 * Authentication and authorization through the real command and query cores: revocation on the
 * very next request, inheritance, groups, owned objects, IP conditions, service-account keys,
 * mass assignment, and the methods about principals themselves.
 */
import { expect } from 'chai';
import { BUILTIN_ROLES, IAM_SERVICE, signSelfIssuedToken } from '@keystream/authz';
import type { JsonObject } from '@keystream/domain';
import { authTestSuite, outcomeOf, uniqueId } from './authTestWorld.js';

const P = `${IAM_SERVICE}/permissions`;
describe('authorization through the API cores', function () {
  this.timeout(120_000);
  const suite = authTestSuite({ settleAfterEach: true });
  const { project, bind } = suite;

  describe('revocation', () => {
    it('should refuse the very next request after a binding is deleted (0 stale allows in 1,000 tries)', async () => {
      const scope = await project();
      const email = `${uniqueId('rev')}@example.com`;
      const token = await suite.world.token(email);
      let staleAllows = 0;
      let allowedBefore = 0;
      for (let attempt = 0; attempt < 1000; attempt += 1) {
        const binding = await bind(scope, BUILTIN_ROLES.viewer, `user:${email}`);
        if ((await outcomeOf(suite.world.call('GetProject', { name: scope }, token))) === 'ok') allowedBefore += 1;
        await suite.world.call('DeleteRoleBinding', { name: binding }, suite.admin);
        if ((await outcomeOf(suite.world.call('GetProject', { name: scope }, token))) === 'ok') staleAllows += 1;
      }
      console.log(`      revocation: ${allowedBefore}/1000 allowed while bound, ${staleAllows} stale allows after deletion`);
      expect(allowedBefore).to.equal(1000);
      expect(staleAllows).to.equal(0);
    });

    it('should refuse a service account the moment its key is deleted', async () => {
      const scope = await project();
      const account = `${scope}/regions/eu/serviceAccounts/${uniqueId('sa')}`;
      await suite.world.call('CreateServiceAccount', { parent: `${scope}/regions/eu`, serviceAccount: { name: account } }, suite.admin);
      const key = (await suite.world.call('CreateServiceAccountKey', { parent: account, serviceAccountKey: { algorithm: 'API_KEY' } }, suite.admin)).response as JsonObject;
      await bind(scope, BUILTIN_ROLES.viewer, `serviceAccount:${account.split('/').pop() as string}@${scope.split('/')[1] as string}.serviceaccounts.iam.edgelq.com`);
      expect(await outcomeOf(suite.world.call('GetProject', { name: scope }, key['apiKey'] as string))).to.equal('ok');
      await suite.world.call('DeleteServiceAccountKey', { name: key['name'] as string }, suite.admin);
      expect(await outcomeOf(suite.world.call('GetProject', { name: scope }, key['apiKey'] as string))).to.equal('UNAUTHENTICATED');
    });
  });

  describe('refusals', () => {
    it('should answer 401 to the anonymous caller, 404 to a reader without access, 403 to a writer without access', async () => {
      const scope = await project();
      const stranger = await suite.world.token(`${uniqueId('s')}@example.com`);
      expect(await outcomeOf(suite.world.call('GetProject', { name: scope }, undefined))).to.equal('UNAUTHENTICATED');
      expect(await outcomeOf(suite.world.call('GetProject', { name: scope }, stranger))).to.equal('NOT_FOUND');
      expect(await outcomeOf(suite.world.call('GetProject', { name: 'projects/never-created' }, stranger))).to.equal('NOT_FOUND');
      expect(await outcomeOf(suite.world.call('UpdateProject', { project: { name: scope, title: 'x' } }, stranger))).to.equal('PERMISSION_DENIED');
      expect(await outcomeOf(suite.world.call('ListRoleBindings', { parent: 'projects/-' }, stranger))).to.equal('PERMISSION_DENIED');
    });
  });

  describe('collections', () => {
    it('should narrow a List of projects to those the principal may list, and answer an empty page to one who may list none', async () => {
      const [mine, theirs] = [await project(), await project()];
      const email = `${uniqueId('lister')}@example.com`;
      const token = await suite.world.token(email);
      const listed = async (): Promise<string[]> => {
        await suite.world.settle();
        const page = (await suite.world.call('ListProjects', { pageSize: 1000 }, token)).response as { projects: JsonObject[] };
        return page.projects.map((entry) => entry['name'] as string);
      };
      expect(await listed()).to.deep.equal([]);
      await bind(mine, BUILTIN_ROLES.viewer, `user:${email}`);
      expect(await listed()).to.deep.equal([mine]);
      const filtered = (await suite.world.call('ListProjects', { filter: `name = "${theirs}"` }, token)).response as { projects: JsonObject[] };
      expect(filtered.projects).to.deep.equal([]);
      expect(await outcomeOf(suite.world.call('ListProjects', {}, undefined))).to.equal('UNAUTHENTICATED');
    });
  });

  describe('watch hooks', () => {
    it('should let a watch principal see the documents a List would show it, and nothing once revoked', async () => {
      const [mine, theirs] = [await project(), await project()];
      const email = `${uniqueId('watcher')}@example.com`;
      const token = await suite.world.token(email);
      const binding = await bind(mine, BUILTIN_ROLES.viewer, `user:${email}`);
      const watcher = await suite.world.dispatcher.watchPrincipalOf({ authorization: `Bearer ${token}` }, '127.0.0.1');
      expect(watcher.subject).to.equal(`user:${email}`);
      expect(suite.world.dispatcher.canSeeWatched(watcher, { name: `${mine}/groups/g` }, 'Group')).to.equal(true);
      expect(suite.world.dispatcher.canSeeWatched(watcher, { name: `${theirs}/groups/g` }, 'Group')).to.equal(false);
      expect(suite.world.dispatcher.canSeeWatched({ subject: `user:${email}` }, { name: `${mine}/groups/g` }, 'Group')).to.equal(false);
      const generation = suite.world.dispatcher.authorizationGeneration;
      await suite.world.call('DeleteRoleBinding', { name: binding }, suite.admin);
      await suite.world.dispatcher.refresh();
      expect(suite.world.dispatcher.authorizationGeneration).to.be.greaterThan(generation);
      expect(suite.world.dispatcher.canSeeWatched(watcher, { name: `${mine}/groups/g` }, 'Group')).to.equal(false);
    });
  });

  describe('inheritance and groups', () => {
    it('should let an organization binding three levels up reach a project, and stop when it is deleted', async () => {
      const root = `organizations/${uniqueId('o')}`;
      const mid = `organizations/${uniqueId('o')}`;
      const leaf = `organizations/${uniqueId('o')}`;
      await suite.world.call('CreateOrganization', { organization: { name: root, title: 'root' } }, suite.admin);
      await suite.world.call('CreateOrganization', { organization: { name: mid, title: 'mid', parentOrganization: root } }, suite.admin);
      await suite.world.call('CreateOrganization', { organization: { name: leaf, title: 'leaf', parentOrganization: mid } }, suite.admin);
      const scope = `projects/${uniqueId('p')}`;
      await suite.world.call('CreateProject', { project: { name: scope, title: 'deep', parentOrganization: leaf } }, suite.admin);
      const email = `${uniqueId('org')}@example.com`;
      const token = await suite.world.token(email);
      expect(await outcomeOf(suite.world.call('ListGroups', { parent: scope }, token))).to.equal('PERMISSION_DENIED');
      const binding = await bind(root, BUILTIN_ROLES.viewer, `user:${email}`);
      expect(await outcomeOf(suite.world.call('ListGroups', { parent: scope }, token))).to.equal('ok');
      await suite.world.call('DeleteRoleBinding', { name: binding }, suite.admin);
      expect(await outcomeOf(suite.world.call('ListGroups', { parent: scope }, token))).to.equal('PERMISSION_DENIED');
    });

    it('should follow nested group membership through a cycle', async () => {
      const scope = await project();
      const email = `${uniqueId('grp')}@example.com`;
      const token = await suite.world.token(email);
      const groups = [uniqueId('ga'), uniqueId('gb'), uniqueId('gc')].map((group) => `${scope}/groups/${group}`);
      for (const group of groups) await suite.world.call('CreateGroup', { parent: scope, group: { name: group, displayName: group } }, suite.admin);
      const emailOf = (group: string): string => `${group.split('/').pop() as string}@${scope.split('/')[1] as string}.groups.iam.edgelq.com`;
      const member = async (group: string, who: string): Promise<void> => {
        await suite.world.call('CreateGroupMember', { parent: group, groupMember: { member: who } }, suite.admin);
      };
      await member(groups[0] as string, `user:${email}`);
      await member(groups[1] as string, `group:${emailOf(groups[0] as string)}`);
      await member(groups[2] as string, `group:${emailOf(groups[1] as string)}`);
      await member(groups[0] as string, `group:${emailOf(groups[2] as string)}`);
      await bind(scope, BUILTIN_ROLES.viewer, `group:${emailOf(groups[2] as string)}`);
      expect(await outcomeOf(suite.world.call('GetProject', { name: scope }, token))).to.equal('ok');
    });
  });

  describe('owned objects and conditions', () => {
    it('should give an owner of one service account every permission on it and nothing beside it', async () => {
      const scope = await project();
      const accounts = [uniqueId('own'), uniqueId('other')].map((name) => `${scope}/regions/eu/serviceAccounts/${name}`);
      for (const account of accounts) await suite.world.call('CreateServiceAccount', { parent: `${scope}/regions/eu`, serviceAccount: { name: account } }, suite.admin);
      const role = `${scope}/roles/${uniqueId('owner')}`;
      await suite.world.call('CreateRole', { parent: scope, role: { name: role, scopeParams: [{ name: 'account', type: 'STRING' }], ownedObjects: ['regions/eu/serviceAccounts/{account}'] } }, suite.admin);
      const email = `${uniqueId('owner')}@example.com`;
      const token = await suite.world.token(email);
      const accountId = (accounts[0] as string).split('/').pop() as string;
      await bind(scope, role, `user:${email}`, { scopeParams: [{ name: 'account', string: { value: accountId } }] });
      expect(await outcomeOf(suite.world.call('UpdateServiceAccount', { serviceAccount: { name: accounts[0] as string, displayName: 'mine' } }, token))).to.equal('ok');
      expect(await outcomeOf(suite.world.call('GetServiceAccount', { name: accounts[1] as string }, token))).to.equal('NOT_FOUND');
      expect(await outcomeOf(suite.world.call('UpdateServiceAccount', { serviceAccount: { name: accounts[1] as string, displayName: 'theirs' } }, token))).to.equal('PERMISSION_DENIED');
    });

    it('should apply an IP condition to the client address', async () => {
      const scope = await project();
      const condition = `${scope}/conditions/${uniqueId('office')}`;
      await suite.world.call('CreateCondition', { parent: scope, condition: { name: condition, ipCondition: { allowedCidrs: ['10.0.0.0/8'] } } }, suite.admin);
      const email = `${uniqueId('ip')}@example.com`;
      const token = await suite.world.token(email);
      await bind(scope, BUILTIN_ROLES.viewer, `user:${email}`, { executableConditions: [{ condition }] });
      expect(await outcomeOf(suite.world.call('GetProject', { name: scope }, token, { remoteAddress: '10.20.30.40' }))).to.equal('ok');
      expect(await outcomeOf(suite.world.call('GetProject', { name: scope }, token, { remoteAddress: '192.0.2.1' }))).to.equal('NOT_FOUND');
    });
  });

  describe('privilege escalation and mass assignment', () => {
    it('should ignore forged output-only fields: owned objects on a binding grant nothing', async () => {
      const scope = await project();
      const email = `${uniqueId('forge')}@example.com`;
      const token = await suite.world.token(email);
      const role = `${scope}/roles/${uniqueId('binder')}`;
      await suite.world.call('CreateRole', { parent: scope, role: { name: role, grants: [{ permissions: [`${P}/roleBindings.create`] }] } }, suite.admin);
      await bind(scope, role, `user:${email}`);
      const forged = await suite.world.call('CreateRoleBinding', { parent: scope, roleBinding: { role, member: `user:${email}`, ownedObjects: ['-'], hasOwnedObjects: true, category: 'OWNER' } }, token);
      const stored = forged.response as JsonObject;
      expect(stored['ownedObjects']).to.equal(undefined);
      expect(await outcomeOf(suite.world.call('DeleteProject', { name: scope }, token))).to.equal('PERMISSION_DENIED');
    });

    it('should refuse moving a project under an organization the caller does not administer (before the move itself is refused as immutable)', async () => {
      const scope = await project();
      const elsewhere = `organizations/${uniqueId('o')}`;
      await suite.world.call('CreateOrganization', { organization: { name: elsewhere, title: 'elsewhere' } }, suite.admin);
      const email = `${uniqueId('mover')}@example.com`;
      const token = await suite.world.token(email);
      await bind(scope, BUILTIN_ROLES.admin, `user:${email}`);
      expect(await outcomeOf(suite.world.call('UpdateProject', { project: { name: scope, title: 'renamed' }, updateMask: ['title'] }, token))).to.equal('ok');
      expect(await outcomeOf(suite.world.call('UpdateProject', { project: { name: scope, parentOrganization: elsewhere }, updateMask: ['parentOrganization'] }, token))).to.equal('PERMISSION_DENIED');
      await bind(elsewhere, BUILTIN_ROLES.admin, `user:${email}`);
      // Allowed now; the domain keeps parent_organization immutable.
      expect(await outcomeOf(suite.world.call('UpdateProject', { project: { name: scope, parentOrganization: elsewhere }, updateMask: ['parentOrganization'] }, token))).to.equal('INVALID_ARGUMENT');
    });

    it('should refuse binding a role of another project', async () => {
      const [mine, theirs] = [await project(), await project()];
      const foreignRole = `${theirs}/roles/${uniqueId('r')}`;
      await suite.world.call('CreateRole', { parent: theirs, role: { name: foreignRole, grants: [{ permissions: [`${P}/projects.delete`] }] } }, suite.admin);
      expect(await outcomeOf(suite.world.call('CreateRoleBinding', { parent: mine, roleBinding: { role: foreignRole, member: 'user:x@example.com' } }, suite.admin))).to.equal('PERMISSION_DENIED');
    });

    it('should ignore forged ancestry and user output-only fields', async () => {
      const scope = `projects/${uniqueId('p')}`;
      const created = (await suite.world.call('CreateProject', { project: { name: scope, title: 't', ancestryPath: ['organizations/victim'], rootOrganization: 'organizations/victim' } }, suite.admin)).response as JsonObject;
      expect(created['ancestryPath']).to.equal(undefined);
      const user = (await suite.world.call('CreateUser', { user: { name: `users/${uniqueId('u')}`, email: 'u@example.com', refreshedTime: '2000-01-01T00:00:00Z' } }, suite.admin)).response as JsonObject;
      expect(user['refreshedTime']).to.equal(undefined);
    });
  });

  describe('service-account keys', () => {
    async function account(): Promise<{ scope: string; name: string; email: string }> {
      const scope = await project();
      const name = `${scope}/regions/eu/serviceAccounts/${uniqueId('robot')}`;
      await suite.world.call('CreateServiceAccount', { parent: `${scope}/regions/eu`, serviceAccount: { name } }, suite.admin);
      const email = `${name.split('/').pop() as string}@${scope.split('/')[1] as string}.serviceaccounts.iam.edgelq.com`;
      await bind(scope, BUILTIN_ROLES.viewer, `serviceAccount:${email}`);
      return { scope, name, email };
    }

    it('should return an RSA private key once, as credentials JSON, never store it, and accept tokens it signs', async () => {
      const robot = await account();
      const key = (await suite.world.call('CreateServiceAccountKey', { parent: robot.name, serviceAccountKey: { algorithm: 'RSA_2048' } }, suite.admin)).response as JsonObject;
      const credentials = JSON.parse(key['privateKeyData'] as string) as Record<string, string>;
      expect(credentials).to.include({ type: 'service_account', client_email: robot.email, private_key_id: key['name'] as string });
      expect(credentials['private_key']).to.match(/BEGIN PRIVATE KEY/);
      const stored = (await suite.world.call('GetServiceAccountKey', { name: key['name'] as string }, suite.admin)).response as JsonObject;
      expect(stored['privateKeyData']).to.equal(undefined);
      expect(stored['publicKeyData']).to.match(/BEGIN PUBLIC KEY/);
      const events = JSON.stringify(await suite.world.eventStore.readStream(`ServiceAccountKey-${key['name'] as string}`));
      expect(events).to.include('PUBLIC KEY').and.not.include('PRIVATE KEY');
      const token = signSelfIssuedToken({ privateKeyPem: credentials['private_key'] as string, keyName: key['name'] as string, email: robot.email, audience: suite.world.config.auth.audience });
      expect(await outcomeOf(suite.world.call('GetProject', { name: robot.scope }, token))).to.equal('ok');
      const principal = (await suite.world.call('GetPrincipal', {}, token)).response as JsonObject;
      expect(principal['principalKeyType']).to.equal('serviceAccount');
    });

    it('should accept a supplied public key and return no private key', async () => {
      const robot = await account();
      const { generateRsaKeyPair } = await import('@keystream/authz');
      const pair = await generateRsaKeyPair('RSA_1024');
      const key = (await suite.world.call('CreateServiceAccountKey', { parent: robot.name, serviceAccountKey: { publicKeyData: pair.publicKeyPem } }, suite.admin)).response as JsonObject;
      expect(key['algorithm']).to.equal('RSA_1024');
      expect(key['privateKeyData']).to.equal(undefined);
      const token = signSelfIssuedToken({ privateKeyPem: pair.privateKeyPem, keyName: key['name'] as string, email: robot.email, audience: suite.world.config.auth.audience });
      expect(await outcomeOf(suite.world.call('GetProject', { name: robot.scope }, token))).to.equal('ok');
      expect(await outcomeOf(suite.world.call('CreateServiceAccountKey', { parent: robot.name, serviceAccountKey: { publicKeyData: 'not a key' } }, suite.admin))).to.equal('INVALID_ARGUMENT');
    });

    it('should return an API key once and keep only its hash; a retried create returns no secret', async () => {
      const robot = await account();
      const requestId = uniqueId('req');
      const first = (await suite.world.call('CreateServiceAccountKey', { parent: robot.name, serviceAccountKey: { algorithm: 'API_KEY' } }, suite.admin, { requestId })).response as JsonObject;
      const secret = first['apiKey'] as string;
      expect(secret).to.match(/^ks_/);
      const retry = (await suite.world.call('CreateServiceAccountKey', { parent: robot.name, serviceAccountKey: { algorithm: 'API_KEY' } }, suite.admin, { requestId })).response as JsonObject;
      expect(retry['name']).to.equal(first['name']);
      expect(retry['apiKey']).to.equal(undefined);
      const keyEvents = JSON.stringify(await suite.world.eventStore.readStream(`ServiceAccountKey-${first['name'] as string}`));
      const keyName = first['name'];
      expect(typeof keyName === 'string' && keyEvents.includes(keyName)).to.equal(true);
      expect(keyEvents).to.not.include(secret);
      const everything = JSON.stringify(await suite.world.eventStore.readAll('', 1_000_000));
      expect(everything).to.not.include(secret);
      expect(await outcomeOf(suite.world.call('GetProject', { name: robot.scope }, secret))).to.equal('ok');
    });
  });

  describe('principals', () => {
    it('should make the creator of a project its administrator', async () => {
      const email = `${uniqueId('creator')}@example.com`;
      const token = await suite.world.token(email);
      await bind('', BUILTIN_ROLES.editor, `user:${email}`);
      const scope = `projects/${uniqueId('p')}`;
      expect(await outcomeOf(suite.world.call('CreateProject', { project: { name: scope, title: 'mine' } }, token))).to.equal('ok');
      const bindings = (await suite.world.call('CheckMyRoleBindings', { parent: scope }, token)).response as { resolvableGrants: { roleBinding: JsonObject }[] };
      expect(bindings.resolvableGrants.map((grant) => grant.roleBinding['name'])).to.include(`${scope}/roleBindings/creator-owner`);
    });

    it('should create or refresh the User of a verified ID token', async () => {
      const email = `${uniqueId('fresh')}@example.com`;
      const idToken = await suite.world.token(email);
      expect(await outcomeOf(suite.world.call('RefreshUserFromIdToken', { idToken }, undefined))).to.equal('ok');
      const principal = (await suite.world.call('GetPrincipal', {}, idToken)).response as { user: JsonObject };
      const user = (await suite.world.call('GetUser', { name: principal.user['name'] as string }, suite.admin)).response as JsonObject;
      expect(user).to.include({ email, emailVerified: true });
      expect(await outcomeOf(suite.world.call('RefreshUserFromIdToken', { idToken: 'forged.token.value' }, undefined))).to.equal('UNAUTHENTICATED');
    });

    it('should record the principal as the actor of its writes', async () => {
      const scope = await project();
      const [created] = await suite.world.eventStore.readStream(`Project-${scope}`);
      expect(created?.metadata.actor).to.equal('user:admin@keystream.local');
    });
  });
});
