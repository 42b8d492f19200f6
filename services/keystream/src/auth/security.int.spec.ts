/**
 * Security suite, authorization classes, through the real command and query cores: field
 * conditions checked on the stored resource and on an update's result; the no-escalation rule on
 * every path that changes effective rights (group members and nested groups, role bindings,
 * service-account keys, role updates, invitations), each with several variants; conditions that
 * cannot be evaluated (invalid CIDRs) refused at creation.
 */
import { expect } from 'chai';
import { BUILTIN_ROLES, IAM_SERVICE } from '@keystream/authz';
import type { JsonObject } from '@keystream/domain';
import { authTestSuite, outcomeOf, uniqueId } from './authTestWorld.js';

const P = `${IAM_SERVICE}/permissions`;
describe('security: authorization classes', function () {
  this.timeout(120_000);
  const suite = authTestSuite({ settleAfterEach: true });
  const { project, bind } = suite;

  async function user(): Promise<{ email: string; member: string; token: string }> {
    const email = `${uniqueId('u')}@example.com`;
    return { email, member: `user:${email}`, token: await suite.world.token(email) };
  }

  describe('field conditions on the stored resource and the result', () => {
    async function teamWorld(): Promise<{ scope: string; teamA: string; teamB: string; token: string }> {
      const scope = await project();
      const role = `${scope}/roles/${uniqueId('team-b')}`;
      await suite.world.call(
        'CreateRole',
        { parent: scope, role: { name: role, grants: [{ permissions: [`${P}/groups.update`, `${P}/groups.get`, `${P}/groups.delete`], resourceFieldConditions: [{ path: 'metadata.labels.team', value: 'b' }] }] } },
        suite.admin,
      );
      const teamA = `${scope}/groups/${uniqueId('a')}`;
      const teamB = `${scope}/groups/${uniqueId('b')}`;
      await suite.world.call('CreateGroup', { parent: scope, group: { name: teamA, displayName: 'A', metadata: { labels: { team: 'a' } } } }, suite.admin);
      await suite.world.call('CreateGroup', { parent: scope, group: { name: teamB, displayName: 'B', metadata: { labels: { team: 'b' } } } }, suite.admin);
      const caller = await user();
      await bind(scope, role, caller.member);
      return { scope, teamA, teamB, token: caller.token };
    }

    it('should refuse updating a team=a group by sending team=b, with or without a mask, and allow team=b to stay team=b', async () => {
      const { teamA, teamB, token } = await teamWorld();
      const relabel = (name: string, team: string, mask?: string[]): Promise<string> =>
        outcomeOf(suite.world.call('UpdateGroup', { group: { name, displayName: 'x', metadata: { labels: { team } } }, ...(mask === undefined ? {} : { updateMask: mask }) }, token));
      expect(await relabel(teamA, 'b')).to.equal('PERMISSION_DENIED');
      expect(await relabel(teamA, 'b', ['metadata.labels', 'display_name'])).to.equal('PERMISSION_DENIED');
      expect(await outcomeOf(suite.world.call('UpdateGroup', { group: { name: teamA, displayName: 'renamed' }, updateMask: ['display_name'] }, token))).to.equal('PERMISSION_DENIED');
      expect(await relabel(teamB, 'b', ['display_name'])).to.equal('ok');
      // The result must hold too: moving a team=b group out of team b is refused.
      expect(await relabel(teamB, 'a', ['metadata.labels'])).to.equal('PERMISSION_DENIED');
      expect(await relabel(teamB, 'a')).to.equal('PERMISSION_DENIED');
    });

    it('should decide Get and Delete on the stored resource, whatever the request carries', async () => {
      const { teamA, teamB, token } = await teamWorld();
      expect(await outcomeOf(suite.world.call('GetGroup', { name: teamA }, token))).to.equal('NOT_FOUND');
      expect(await outcomeOf(suite.world.call('GetGroup', { name: teamB }, token))).to.equal('ok');
      expect(await outcomeOf(suite.world.call('DeleteGroup', { name: teamA }, token))).to.equal('PERMISSION_DENIED');
      expect(await outcomeOf(suite.world.call('DeleteGroup', { name: teamB }, token))).to.equal('ok');
    });
  });

  describe('no escalation', () => {
    /** A project whose editor is `editor`, a system-wide admins group, a project admins group, a powerful service account. */
    async function escalationWorld(): Promise<{ scope: string; editor: Awaited<ReturnType<typeof user>>; systemAdmins: string; projectAdmins: string; account: string }> {
      const scope = await project();
      const editor = await user();
      await bind(scope, BUILTIN_ROLES.editor, editor.member);
      const systemAdmins = `groups/${uniqueId('admins')}`;
      await suite.world.call('CreateGroup', { group: { name: systemAdmins, displayName: 'admins' } }, suite.admin);
      await bind('', BUILTIN_ROLES.admin, `group:${systemAdmins.split('/')[1] as string}@groups.iam.edgelq.com`);
      const projectAdmins = `${scope}/groups/${uniqueId('padmins')}`;
      await suite.world.call('CreateGroup', { parent: scope, group: { name: projectAdmins, displayName: 'project admins' } }, suite.admin);
      await bind(scope, BUILTIN_ROLES.admin, `group:${projectAdmins.split('/').pop() as string}@${scope.split('/')[1] as string}.groups.iam.edgelq.com`);
      const account = `${scope}/regions/eu/serviceAccounts/${uniqueId('sa')}`;
      await suite.world.call('CreateServiceAccount', { parent: `${scope}/regions/eu`, serviceAccount: { name: account } }, suite.admin);
      await bind('', BUILTIN_ROLES.admin, `serviceAccount:${account.split('/').pop() as string}@${scope.split('/')[1] as string}.serviceaccounts.iam.edgelq.com`);
      return { scope, editor, systemAdmins, projectAdmins, account };
    }

    it('should refuse an editor adding itself or anyone to an admins group, system-wide or in its own project, and allow an ordinary group', async () => {
      const { scope, editor, projectAdmins } = await escalationWorld();
      const other = await user();
      for (const member of [editor.member, other.member]) {
        expect(await outcomeOf(suite.world.call('CreateGroupMember', { parent: projectAdmins, groupMember: { member } }, editor.token)), member).to.equal('PERMISSION_DENIED');
      }
      // Nested: a group of the editor's own making, then that group into the admins group.
      const mine = `${scope}/groups/${uniqueId('mine')}`;
      expect(await outcomeOf(suite.world.call('CreateGroup', { parent: scope, group: { name: mine, displayName: 'mine' } }, editor.token))).to.equal('ok');
      expect(await outcomeOf(suite.world.call('CreateGroupMember', { parent: mine, groupMember: { member: editor.member } }, editor.token))).to.equal('ok');
      const nested = `group:${mine.split('/').pop() as string}@${scope.split('/')[1] as string}.groups.iam.edgelq.com`;
      expect(await outcomeOf(suite.world.call('CreateGroupMember', { parent: projectAdmins, groupMember: { member: nested } }, editor.token))).to.equal('PERMISSION_DENIED');
      // A group without bindings gives nothing: adding anyone to it is fine.
      expect(await outcomeOf(suite.world.call('CreateGroupMember', { parent: mine, groupMember: { member: other.member } }, editor.token))).to.equal('ok');
      // Still only an editor.
      expect(await outcomeOf(suite.world.call('CreateRoleBinding', { parent: scope, roleBinding: { role: BUILTIN_ROLES.admin, member: editor.member } }, editor.token))).to.equal('PERMISSION_DENIED');
    });

    it('should refuse joining a system-wide admins group to anyone but an administrator', async () => {
      const { systemAdmins, editor } = await escalationWorld();
      const systemGroupOwner = await user();
      // Holding groupMembers.create system-wide (an editor there) is not enough.
      await bind('', BUILTIN_ROLES.editor, systemGroupOwner.member, {});
      expect(await outcomeOf(suite.world.call('CreateGroupMember', { parent: systemAdmins, groupMember: { member: systemGroupOwner.member } }, systemGroupOwner.token))).to.equal('PERMISSION_DENIED');
      expect(await outcomeOf(suite.world.call('CreateGroupMember', { parent: systemAdmins, groupMember: { member: editor.member } }, suite.admin))).to.equal('ok');
    });

    it('should refuse an editor creating keys (RSA and API) for a service account holding more than it', async () => {
      const { scope, editor, account } = await escalationWorld();
      for (const algorithm of ['API_KEY', 'RSA_2048']) {
        expect(await outcomeOf(suite.world.call('CreateServiceAccountKey', { parent: account, serviceAccountKey: { algorithm } }, editor.token)), algorithm).to.equal('PERMISSION_DENIED');
      }
      // A service account holding no more than the editor: allowed.
      const modest = `${scope}/regions/eu/serviceAccounts/${uniqueId('modest')}`;
      await suite.world.call('CreateServiceAccount', { parent: `${scope}/regions/eu`, serviceAccount: { name: modest } }, suite.admin);
      expect(await outcomeOf(suite.world.call('CreateServiceAccountKey', { parent: modest, serviceAccountKey: { algorithm: 'API_KEY' } }, editor.token))).to.equal('ok');
      // An administrator holds every right (and act-as): allowed.
      expect(await outcomeOf(suite.world.call('CreateServiceAccountKey', { parent: account, serviceAccountKey: { algorithm: 'API_KEY' } }, suite.admin))).to.equal('ok');
    });

    it('should refuse a binding manager binding roles beyond its own rights, at its scope or above', async () => {
      const scope = await project();
      const manager = await user();
      const role = `${scope}/roles/${uniqueId('binder')}`;
      await suite.world.call('CreateRole', { parent: scope, role: { name: role, grants: [{ permissions: [`${P}/roleBindings.create`, `${P}/roleBindings.update`, `${P}/groups.get`] }] } }, suite.admin);
      await bind(scope, role, manager.member);
      const target = await user();
      expect(await outcomeOf(suite.world.call('CreateRoleBinding', { parent: scope, roleBinding: { role: BUILTIN_ROLES.admin, member: target.member } }, manager.token))).to.equal('PERMISSION_DENIED');
      expect(await outcomeOf(suite.world.call('CreateRoleBinding', { parent: scope, roleBinding: { role: BUILTIN_ROLES.viewer, member: target.member } }, manager.token))).to.equal('PERMISSION_DENIED');
      // Binding its own role (nothing it does not hold) is fine.
      const own = await suite.world.call('CreateRoleBinding', { parent: scope, roleBinding: { role, member: target.member } }, manager.token);
      const ownName = (own.response as JsonObject)['name'] as string;
      // Updating that binding to a stronger role is refused like creating it.
      expect(await outcomeOf(suite.world.call('UpdateRoleBinding', { roleBinding: { name: ownName, role: BUILTIN_ROLES.admin, member: target.member } }, manager.token))).to.equal('PERMISSION_DENIED');
    });

    it('should refuse adding permissions the caller lacks to a bound role, and invitations with roles or groups beyond its rights', async () => {
      const scope = await project();
      const roleAdmin = await user();
      const role = `${scope}/roles/${uniqueId('editable')}`;
      await suite.world.call('CreateRole', { parent: scope, role: { name: role, grants: [{ permissions: [`${P}/roles.update`, `${P}/groups.get`, `${P}/projectInvitations.create`] }] } }, suite.admin);
      await bind(scope, role, roleAdmin.member);
      expect(await outcomeOf(suite.world.call('UpdateRole', { role: { name: role, grants: [{ permissions: [`${P}/roles.update`, `${P}/groups.get`, `${P}/projectInvitations.create`, `${P}/roleBindings.create`] }] } }, roleAdmin.token))).to.equal(
        'PERMISSION_DENIED',
      );
      expect(await outcomeOf(suite.world.call('UpdateRole', { role: { name: role, grants: [{ permissions: [`${P}/roles.update`, `${P}/projectInvitations.create`] }] } }, roleAdmin.token))).to.equal('ok');
      const invite = (bindingRoles: JsonObject[], groups: string[] = []): Promise<string> =>
        outcomeOf(
          suite.world.call('CreateProjectInvitation', { parent: scope, projectInvitation: { invitation: { inviteeEmail: `${uniqueId('i')}@example.com`, bindingRoles, groups } } }, roleAdmin.token),
        );
      expect(await invite([{ role: BUILTIN_ROLES.admin }])).to.equal('PERMISSION_DENIED');
      expect(await invite([{ role }])).to.not.equal('PERMISSION_DENIED');
    });
  });

  describe('no escalation through a condition', () => {
    it('should refuse widening a condition that gates an suite.admin binding to a caller who is not an suite.admin there', async () => {
      const scope = await project();
      const condition = `${scope}/conditions/${uniqueId('office')}`;
      await suite.world.call('CreateCondition', { parent: scope, condition: { name: condition, ipCondition: { allowedCidrs: ['10.0.0.0/8'] } } }, suite.admin);
      const gated = await user();
      await bind(scope, BUILTIN_ROLES.admin, gated.member, { executableConditions: [{ condition }] });
      const conditionEditor = await user();
      const role = `${scope}/roles/${uniqueId('conditions')}`;
      await suite.world.call('CreateRole', { parent: scope, role: { name: role, grants: [{ permissions: [`${P}/conditions.update`, `${P}/conditions.get`] }] } }, suite.admin);
      await bind(scope, role, conditionEditor.member);
      const widen = { condition: { name: condition, ipCondition: { allowedCidrs: ['0.0.0.0/0'] } } };
      expect(await outcomeOf(suite.world.call('UpdateCondition', widen, conditionEditor.token))).to.equal('PERMISSION_DENIED');
      expect(await outcomeOf(suite.world.call('UpdateCondition', widen, suite.admin))).to.equal('ok');
    });
  });

  describe('conditions that cannot be evaluated', () => {
    it('should refuse invalid CIDRs when a Condition is created or updated', async () => {
      const scope = await project();
      for (const cidrs of [['not-a-cidr'], ['10.0.0.0/33'], ['10.0.0.0/8', '999.1.1.1/8']]) {
        const condition = `${scope}/conditions/${uniqueId('c')}`;
        expect(await outcomeOf(suite.world.call('CreateCondition', { parent: scope, condition: { name: condition, ipCondition: { allowedCidrs: cidrs } } }, suite.admin)), cidrs.join()).to.equal('INVALID_ARGUMENT');
      }
      const condition = `${scope}/conditions/${uniqueId('ok')}`;
      expect(await outcomeOf(suite.world.call('CreateCondition', { parent: scope, condition: { name: condition, ipCondition: { allowedCidrs: ['10.0.0.0/8'] } } }, suite.admin))).to.equal('ok');
      expect(await outcomeOf(suite.world.call('UpdateCondition', { condition: { name: condition, ipCondition: { allowedCidrs: ['10.0.0.0/8', 'x'] } } }, suite.admin))).to.equal('INVALID_ARGUMENT');
    });
  });
});
