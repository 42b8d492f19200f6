import { expect } from 'chai';
import { Authorizer } from './authorizer.js';
import { AuthzIndex } from './authzIndex.js';
import type { Principal } from './principal.js';
import { ANONYMOUS } from './principal.js';
import { binding, created, deleted, groupMember, role } from './testEvents.js';

const P = 'services/iam.edgelq.com/permissions';
const alice: Principal = { kind: 'user', email: 'alice@example.com', issuer: 'test' };
const bob: Principal = { kind: 'user', email: 'bob@other.org', issuer: 'test' };

function given(...events: Parameters<AuthzIndex['apply']>[0][]): { index: AuthzIndex; authorizer: Authorizer } {
  const index = new AuthzIndex();
  for (const event of events) index.apply(event);
  return { index, authorizer: new Authorizer(index) };
}

async function allowed(authorizer: Authorizer, principal: Principal, permission: string, scope: string, extra: Partial<Parameters<Authorizer['check']>[0]> = {}): Promise<boolean> {
  return (await authorizer.check({ principal, permission, scope, ...extra })).allowed;
}

describe('Authorizer', () => {
  describe('having a viewer binding in one project', () => {
    const world = (): ReturnType<typeof given> =>
      given(role('r/viewer', [`${P}/groups.get`, `${P}/groups.list`]), binding('projects/p1', 'b1', 'r/viewer', 'user:alice@example.com'));

    it('should allow the bound permission in that project', async () => {
      expect(await allowed(world().authorizer, alice, `${P}/groups.list`, 'projects/p1')).to.equal(true);
    });

    it('should deny another permission, another project, another principal and the anonymous caller', async () => {
      const { authorizer } = world();
      expect(await allowed(authorizer, alice, `${P}/groups.delete`, 'projects/p1')).to.equal(false);
      expect(await allowed(authorizer, alice, `${P}/groups.list`, 'projects/p2')).to.equal(false);
      expect(await allowed(authorizer, bob, `${P}/groups.list`, 'projects/p1')).to.equal(false);
      expect(await allowed(authorizer, ANONYMOUS, `${P}/groups.list`, 'projects/p1')).to.equal(false);
    });

    it('should deny a wildcard scope (only system-wide grants cover projects/-)', async () => {
      expect(await allowed(world().authorizer, alice, `${P}/groups.list`, 'projects/-')).to.equal(false);
    });

    it('should deny on the very next decision after the binding is deleted (cache invalidated by the event)', async () => {
      const { index, authorizer } = world();
      expect(await allowed(authorizer, alice, `${P}/groups.list`, 'projects/p1')).to.equal(true);
      index.apply(deleted('RoleBinding', 'projects/p1/roleBindings/b1'));
      expect(await allowed(authorizer, alice, `${P}/groups.list`, 'projects/p1')).to.equal(false);
    });

    it('should deny once the role loses the permission', async () => {
      const { index, authorizer } = world();
      expect(await allowed(authorizer, alice, `${P}/groups.get`, 'projects/p1')).to.equal(true);
      index.apply(role('r/viewer', [`${P}/groups.list`]));
      expect(await allowed(authorizer, alice, `${P}/groups.get`, 'projects/p1')).to.equal(false);
    });
  });

  describe('having an organization chain three levels deep', () => {
    const world = (): ReturnType<typeof given> =>
      given(
        created('Organization', { name: 'organizations/root' }),
        created('Organization', { name: 'organizations/mid', ancestryPath: ['organizations/root'] }),
        created('Organization', { name: 'organizations/leaf', ancestryPath: ['organizations/root', 'organizations/mid'] }),
        created('Project', { name: 'projects/deep', ancestryPath: ['organizations/root', 'organizations/mid', 'organizations/leaf'] }),
        created('Project', { name: 'projects/elsewhere' }),
        role('r/admin', [`${P}/roles.create`]),
        binding('organizations/root', 'b', 'r/admin', 'user:alice@example.com'),
      );

    it('should let a root organization binding reach every organization below and their projects', async () => {
      const { authorizer } = world();
      for (const scope of ['organizations/root', 'organizations/mid', 'organizations/leaf', 'projects/deep']) {
        expect(await allowed(authorizer, alice, `${P}/roles.create`, scope), scope).to.equal(true);
      }
      expect(await allowed(authorizer, alice, `${P}/roles.create`, 'projects/elsewhere')).to.equal(false);
    });

    it('should keep a binding with disable_for_child_scopes to its own scope', async () => {
      const { index, authorizer } = world();
      index.apply(binding('organizations/root', 'b', 'r/admin', 'user:alice@example.com', { disableForChildScopes: true }));
      expect(await allowed(authorizer, alice, `${P}/roles.create`, 'organizations/root')).to.equal(true);
      expect(await allowed(authorizer, alice, `${P}/roles.create`, 'projects/deep')).to.equal(false);
    });
  });

  describe('having nested groups with a cycle', () => {
    const world = (): ReturnType<typeof given> =>
      given(
        role('r/viewer', [`${P}/projects.get`]),
        groupMember('groups/a', 'm1', 'user:alice@example.com'),
        groupMember('groups/b', 'm2', 'group:a@groups.iam.edgelq.com'),
        groupMember('groups/c', 'm3', 'group:b@groups.iam.edgelq.com'),
        // c is a member of a: a → b → c → a.
        groupMember('groups/a', 'm4', 'group:c@groups.iam.edgelq.com'),
        binding('projects/p1', 'b', 'r/viewer', 'group:c@groups.iam.edgelq.com'),
      );

    it('should reach a binding of the outermost group and terminate on the cycle', async () => {
      const { authorizer } = world();
      expect(await allowed(authorizer, alice, `${P}/projects.get`, 'projects/p1')).to.equal(true);
      expect(authorizer.membersOf(alice)).to.include.members(['group:a@groups.iam.edgelq.com', 'group:b@groups.iam.edgelq.com', 'group:c@groups.iam.edgelq.com']);
    });

    it('should deny once the membership chain is cut', async () => {
      const { index, authorizer } = world();
      index.apply(deleted('GroupMember', 'groups/a/groupMembers/m1'));
      expect(await allowed(authorizer, alice, `${P}/projects.get`, 'projects/p1')).to.equal(false);
    });
  });

  describe('having bindings to special members', () => {
    it('should match allUsers for everyone, allAuthenticatedUsers for signed-in callers and domain: by email domain', async () => {
      const { authorizer } = given(
        role('r/a', [`${P}/a.get`]),
        role('r/b', [`${P}/b.get`]),
        role('r/c', [`${P}/c.get`]),
        binding('', 'all', 'r/a', 'allUsers'),
        binding('', 'auth', 'r/b', 'allAuthenticatedUsers'),
        binding('', 'dom', 'r/c', 'domain:example.com'),
      );
      expect(await allowed(authorizer, ANONYMOUS, `${P}/a.get`, 'projects/x')).to.equal(true);
      expect(await allowed(authorizer, ANONYMOUS, `${P}/b.get`, 'projects/x')).to.equal(false);
      expect(await allowed(authorizer, bob, `${P}/b.get`, 'projects/x')).to.equal(true);
      expect(await allowed(authorizer, alice, `${P}/c.get`, '')).to.equal(true);
      expect(await allowed(authorizer, bob, `${P}/c.get`, '')).to.equal(false);
    });
  });

  describe('having owned objects', () => {
    const world = (): ReturnType<typeof given> =>
      given(
        role('r/owner', []),
        binding('projects/p1', 'own', 'r/owner', 'user:alice@example.com', { ownedObjects: ['regions/eu/serviceAccounts/sa1'] }),
        binding('projects/p2', 'whole', 'r/owner', 'user:alice@example.com', { ownedObjects: ['-'] }),
      );

    it('should allow every permission on the owned object and its children, nothing beside it', async () => {
      const { authorizer } = world();
      const sa = 'projects/p1/regions/eu/serviceAccounts/sa1';
      expect(await allowed(authorizer, alice, `${P}/serviceAccounts.delete`, 'projects/p1', { target: sa })).to.equal(true);
      expect(await allowed(authorizer, alice, `${P}/serviceAccountKeys.create`, 'projects/p1', { target: `${sa}/serviceAccountKeys/k` })).to.equal(true);
      expect(await allowed(authorizer, alice, `${P}/serviceAccounts.delete`, 'projects/p1', { target: 'projects/p1/regions/eu/serviceAccounts/sa2' })).to.equal(false);
      expect(await allowed(authorizer, alice, `${P}/serviceAccounts.list`, 'projects/p1')).to.equal(false);
    });

    it('should make "-" the whole scope', async () => {
      expect(await allowed(world().authorizer, alice, `${P}/anything.delete`, 'projects/p2', { target: 'projects/p2/groups/g' })).to.equal(true);
    });
  });

  describe('having grants with sub_scope and field conditions', () => {
    const world = (): ReturnType<typeof given> =>
      given(
        role('r/scoped', [`${P}/serviceAccounts.get`], { subScope: 'regions/{region}' }),
        role('r/field', [`${P}/groupMembers.create`], { requestFieldConditions: [{ path: 'group_member.member', value: '{member}' }] }),
        role('r/resource', [`${P}/groups.update`], { resourceFieldConditions: [{ path: 'display_name', value: '{team}' }] }),
        binding('projects/p1', 's', 'r/scoped', 'user:alice@example.com', { scopeParams: [{ name: 'region', string: { value: 'eu' } }] }),
        binding('projects/p1', 'f', 'r/field', 'user:alice@example.com', { scopeParams: [{ name: 'member', valueFrom: { source: 'PRINCIPAL_USER', path: 'email' } }] }),
        binding('projects/p1', 'r', 'r/resource', 'user:alice@example.com', { scopeParams: [{ name: 'team', strings: { values: ['red', 'blue'] } }] }),
      );

    it('should limit a sub_scope grant to names under the expanded prefix', async () => {
      const { authorizer } = world();
      expect(await allowed(authorizer, alice, `${P}/serviceAccounts.get`, 'projects/p1', { target: 'projects/p1/regions/eu/serviceAccounts/a' })).to.equal(true);
      expect(await allowed(authorizer, alice, `${P}/serviceAccounts.get`, 'projects/p1', { target: 'projects/p1/regions/us/serviceAccounts/a' })).to.equal(false);
    });

    it('should check request fields against scope params, principal-sourced ones included', async () => {
      const { authorizer } = world();
      const request = (member: string): Record<string, unknown> => ({ groupMember: { member } });
      expect(await allowed(authorizer, alice, `${P}/groupMembers.create`, 'projects/p1', { request: request('alice@example.com') })).to.equal(true);
      expect(await allowed(authorizer, alice, `${P}/groupMembers.create`, 'projects/p1', { request: request('mallory@example.com') })).to.equal(false);
    });

    it('should check resource fields against scope params (and deny when the resource is missing)', async () => {
      const { authorizer } = world();
      const check = (displayName: string | undefined): Promise<boolean> =>
        allowed(authorizer, alice, `${P}/groups.update`, 'projects/p1', { resource: () => Promise.resolve(displayName === undefined ? undefined : { displayName }) });
      expect(await check('blue')).to.equal(true);
      expect(await check('green')).to.equal(false);
      expect(await check(undefined)).to.equal(false);
    });
  });

  describe('having executable conditions', () => {
    const world = (): ReturnType<typeof given> =>
      given(
        created('Condition', { name: 'conditions/office', ipCondition: { allowedCidrs: ['10.0.0.0/8', '2001:db8::/32'], disabledCidrs: ['10.6.6.0/24'] } }),
        created('Condition', { name: 'conditions/attested', attestationCondition: { domain: 'projects/p1/attestationDomains/d', exceptPermissions: [`${P}/projects.get`] } }),
        role('r/ip', [`${P}/groups.list`], { executableConditions: [{ condition: 'conditions/office' }] }),
        role('r/tpm', [`${P}/projects.get`, `${P}/projects.update`], { executableConditions: [{ condition: 'conditions/attested' }] }),
        role('r/missing', [`${P}/roles.list`], { executableConditions: [{ condition: 'conditions/nowhere' }] }),
        binding('projects/p1', 'ip', 'r/ip', 'user:alice@example.com'),
        binding('projects/p1', 'tpm', 'r/tpm', 'user:alice@example.com'),
        binding('projects/p1', 'missing', 'r/missing', 'user:alice@example.com'),
      );

    it('should allow from an allowed CIDR only, never from a disabled one (IPv4, mapped IPv4, IPv6)', async () => {
      const { authorizer } = world();
      const from = (remoteAddress: string): Promise<boolean> => allowed(authorizer, alice, `${P}/groups.list`, 'projects/p1', { remoteAddress });
      expect(await from('10.1.2.3')).to.equal(true);
      expect(await from('::ffff:10.1.2.3')).to.equal(true);
      expect(await from('2001:db8::1')).to.equal(true);
      expect(await from('10.6.6.6')).to.equal(false);
      expect(await from('192.168.1.1')).to.equal(false);
      expect(await from('')).to.equal(false);
    });

    it('should deny attestation-conditioned permissions without an attestation of the domain, except the exempted ones', async () => {
      const { authorizer } = world();
      expect(await allowed(authorizer, alice, `${P}/projects.get`, 'projects/p1')).to.equal(true);
      expect(await allowed(authorizer, alice, `${P}/projects.update`, 'projects/p1')).to.equal(false);
      const otherDomain = new Set(['projects/p1/attestationDomains/other']);
      expect(await allowed(authorizer, alice, `${P}/projects.update`, 'projects/p1', { attestedDomains: otherDomain })).to.equal(false);
    });

    it('should allow attestation-conditioned permissions with an attestation of the domain', async () => {
      const { authorizer } = world();
      const attested = new Set(['projects/p1/attestationDomains/d']);
      expect(await allowed(authorizer, alice, `${P}/projects.update`, 'projects/p1', { attestedDomains: attested })).to.equal(true);
      // Decisions under conditions are not cached: the same call without the token is denied again.
      expect(await allowed(authorizer, alice, `${P}/projects.update`, 'projects/p1')).to.equal(false);
    });

    it('should exempt the permissions needed to obtain a token when the condition lists none', async () => {
      const { authorizer } = given(
        created('Condition', { name: 'conditions/bare', attestationCondition: { domain: 'projects/p1/attestationDomains/d' } }),
        role('r/bare', [`${P}/attestationDomains.verify`, `${P}/attestationDomains.get`, `${P}/projects.update`], { executableConditions: [{ condition: 'conditions/bare' }] }),
        binding('projects/p1', 'bare', 'r/bare', 'user:alice@example.com'),
      );
      expect(await allowed(authorizer, alice, `${P}/attestationDomains.verify`, 'projects/p1')).to.equal(true);
      expect(await allowed(authorizer, alice, `${P}/attestationDomains.get`, 'projects/p1')).to.equal(true);
      expect(await allowed(authorizer, alice, `${P}/projects.update`, 'projects/p1')).to.equal(false);
    });

    it('should deny when the referenced condition does not exist', async () => {
      expect(await allowed(world().authorizer, alice, `${P}/roles.list`, 'projects/p1')).to.equal(false);
    });
  });

  describe('having a binding whose role does not exist', () => {
    it('should deny', async () => {
      const { authorizer } = given(binding('projects/p1', 'b', 'r/none', 'user:alice@example.com'));
      expect(await allowed(authorizer, alice, `${P}/groups.list`, 'projects/p1')).to.equal(false);
    });
  });

  describe('having a wildcard permission', () => {
    it('should grant every permission of that service', async () => {
      const { authorizer } = given(role('r/all', [`${P}/*`]), binding('', 'b', 'r/all', 'user:alice@example.com'));
      expect(await allowed(authorizer, alice, `${P}/projects.delete`, 'projects/any')).to.equal(true);
      expect(await allowed(authorizer, alice, 'services/other.edgelq.com/permissions/x.get', 'projects/any')).to.equal(false);
    });
  });
});
