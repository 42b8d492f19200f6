/**
 * The no-escalation rule as a matrix: for every path that changes effective rights (a role
 * binding, a group member — nested groups included —, acting as a service account, an invitation's
 * roles and groups, a role gaining permissions), a caller holding less than what would be given is
 * refused, a caller holding all of it is allowed, and the explicit exemption permission lets a
 * caller through.
 */
import { expect } from 'chai';
import { isKeystreamError } from '@keystream/api';
import { Authorizer } from './authorizer.js';
import { AuthzIndex } from './authzIndex.js';
import { ACT_AS_PERMISSION, ESCALATE_PERMISSION } from './builtinRoles.js';
import {
  assertNoEscalation,
  rightsGainedByActingAs,
  rightsGainedByBinding,
  rightsGainedByConditionUpdate,
  rightsGainedByGroupMembership,
  rightsGainedByInvitation,
  rightsGainedByRoleUpdate,
  type GainedRight,
} from './escalation.js';
import type { Principal } from './principal.js';
import { binding, created, groupMember, role } from './testEvents.js';

const P = 'services/iam.edgelq.com/permissions';
const EDITOR_PERMISSIONS = [`${P}/groups.get`, `${P}/groupMembers.create`, `${P}/serviceAccountKeys.create`, `${P}/projectInvitations.create`, `${P}/roles.update`];
const ADMIN_PERMISSIONS = [...EDITOR_PERMISSIONS, `${P}/roleBindings.create`, `${P}/roleBindings.update`, `${P}/groups.delete`];
const editor: Principal = { kind: 'user', email: 'editor@example.com', issuer: 'test' };
const admin: Principal = { kind: 'user', email: 'admin@example.com', issuer: 'test' };
const escalator: Principal = { kind: 'user', email: 'escalator@example.com', issuer: 'test' };
const actor: Principal = { kind: 'user', email: 'actor@example.com', issuer: 'test' };
const SA = 'projects/p1/regions/eu/serviceAccounts/robot';
const SA_EMAIL = 'robot@p1.serviceaccounts.iam.edgelq.com';

function world(): { index: AuthzIndex; authorizer: Authorizer } {
  const index = new AuthzIndex();
  for (const event of [
    role('roles/editor', EDITOR_PERMISSIONS),
    role('roles/admin', ADMIN_PERMISSIONS),
    role('roles/escalate', [ESCALATE_PERMISSION]),
    role('roles/act-as', [ACT_AS_PERMISSION]),
    // The editor edits project p1; the admin administers the system.
    binding('projects/p1', 'editor', 'roles/admin', 'user:admin@example.com'),
    binding('projects/p1', 'e', 'roles/editor', 'user:editor@example.com'),
    binding('', 'sysadmin', 'roles/admin', 'user:admin@example.com'),
    binding('projects/p1', 'esc-editor', 'roles/editor', 'user:escalator@example.com'),
    binding('projects/p1', 'esc', 'roles/escalate', 'user:escalator@example.com'),
    binding('projects/p1', 'act-editor', 'roles/editor', 'user:actor@example.com'),
    binding('projects/p1', 'act', 'roles/act-as', 'user:actor@example.com'),
    // groups/admins holds admin at the system scope; projects/p1/groups/inner is nested in it.
    binding('', 'admins', 'roles/admin', 'group:admins@groups.iam.edgelq.com'),
    groupMember('groups/admins', 'inner', 'group:inner@p1.groups.iam.edgelq.com'),
    // projects/p1/groups/editors holds only the editor role in p1.
    binding('projects/p1', 'editors', 'roles/editor', 'group:editors@p1.groups.iam.edgelq.com'),
    // A system-wide admin binding gated by an IP condition.
    created('Condition', { name: 'conditions/office', ipCondition: { allowedCidrs: ['10.0.0.0/8'] } }),
    binding('', 'gated', 'roles/admin', 'user:gated@example.com', { executableConditions: [{ condition: 'conditions/office' }] }),
    // The service account holds admin at the system scope.
    binding('', 'robot', 'roles/admin', `serviceAccount:${SA_EMAIL}`),
  ]) {
    index.apply(event);
  }
  return { index, authorizer: new Authorizer(index) };
}

async function outcome(authorizer: Authorizer, caller: Principal, gained: readonly GainedRight[], exemptPermission?: string): Promise<'allowed' | 'refused'> {
  try {
    await assertNoEscalation(authorizer, caller, gained, { action: 'test', ...(exemptPermission === undefined ? {} : { exemptAt: { permission: exemptPermission, scope: 'projects/p1', target: SA } }) });
    return 'allowed';
  } catch (error) {
    expect(isKeystreamError(error) && error.code === 'PERMISSION_DENIED', String(error)).to.equal(true);
    expect((error as Error).message).to.match(/would grant .* which .* does not hold/);
    return 'refused';
  }
}

interface Path {
  readonly label: string;
  readonly gained: (index: AuthzIndex) => GainedRight[];
  readonly exempt?: string;
  /** Expected for: editor (holds less), admin (holds all), escalator (editor + exemption in p1), actor (editor + act-as). */
  readonly expected: readonly ['allowed' | 'refused', 'allowed' | 'refused', 'allowed' | 'refused', 'allowed' | 'refused'];
}

const paths: readonly Path[] = [
  { label: 'joining a group bound to admin at the system scope', gained: (index) => rightsGainedByGroupMembership('groups/admins', index), expected: ['refused', 'allowed', 'refused', 'refused'] },
  { label: 'joining a group nested in the admins group', gained: (index) => rightsGainedByGroupMembership('projects/p1/groups/inner', index), expected: ['refused', 'allowed', 'refused', 'refused'] },
  { label: 'joining a group holding only what the caller holds', gained: (index) => rightsGainedByGroupMembership('projects/p1/groups/editors', index), expected: ['allowed', 'allowed', 'allowed', 'allowed'] },
  { label: 'binding admin in the caller\'s project', gained: (index) => rightsGainedByBinding({ name: 'projects/p1/roleBindings/x', role: 'roles/admin', member: 'user:x@example.com' }, index), expected: ['refused', 'allowed', 'allowed', 'refused'] },
  { label: 'binding admin at the system scope', gained: (index) => rightsGainedByBinding({ name: 'roleBindings/x', role: 'roles/admin', member: 'user:x@example.com' }, index), expected: ['refused', 'allowed', 'refused', 'refused'] },
  { label: 'binding editor in the caller\'s project', gained: (index) => rightsGainedByBinding({ name: 'projects/p1/roleBindings/x', role: 'roles/editor', member: 'user:x@example.com' }, index), expected: ['allowed', 'allowed', 'allowed', 'allowed'] },
  { label: 'a key for a service account holding admin system-wide', gained: (index) => rightsGainedByActingAs(SA_EMAIL, index), exempt: ACT_AS_PERMISSION, expected: ['refused', 'allowed', 'refused', 'allowed'] },
  { label: 'an invitation with the admin role', gained: (index) => rightsGainedByInvitation('projects/p1', { bindingRoles: [{ role: 'roles/admin' }] }, index), expected: ['refused', 'allowed', 'allowed', 'refused'] },
  { label: 'an invitation into the admins group (system-wide rights; escalate is held in p1 only)', gained: (index) => rightsGainedByInvitation('projects/p1', { groups: ['groups/admins'] }, index), expected: ['refused', 'allowed', 'refused', 'refused'] },
  { label: 'an invitation with the editor role', gained: (index) => rightsGainedByInvitation('projects/p1', { bindingRoles: [{ role: 'roles/editor' }] }, index), expected: ['allowed', 'allowed', 'allowed', 'allowed'] },
  { label: 'adding roleBindings.create to a project role', gained: () => rightsGainedByRoleUpdate('projects/p1/roles/r', [`${P}/groups.get`], [`${P}/groups.get`, `${P}/roleBindings.create`]), expected: ['refused', 'allowed', 'allowed', 'refused'] },
  { label: 'rewriting a condition gating a system-wide admin binding', gained: (index) => rightsGainedByConditionUpdate('conditions/office', index), expected: ['refused', 'allowed', 'refused', 'refused'] },
  { label: 'rewriting a condition nothing references', gained: (index) => rightsGainedByConditionUpdate('conditions/unused', index), expected: ['allowed', 'allowed', 'allowed', 'allowed'] },
  { label: 'removing permissions from a role', gained: () => rightsGainedByRoleUpdate('projects/p1/roles/r', [`${P}/groups.get`, `${P}/roleBindings.create`], [`${P}/groups.get`]), expected: ['allowed', 'allowed', 'allowed', 'allowed'] },
];

describe('assertNoEscalation', () => {
  for (const path of paths) {
    describe(`having ${path.label}`, () => {
      it(`should be ${path.expected.join('/')} for a caller holding less / all / the escalate exemption / the act-as exemption`, async () => {
        const { index, authorizer } = world();
        const gained = path.gained(index);
        const results = [];
        for (const caller of [editor, admin, escalator, actor]) results.push(await outcome(authorizer, caller, gained, path.exempt));
        expect(results).to.deep.equal(path.expected);
      });
    });
  }

  describe('having a group that gains a binding after the check', () => {
    describe('when checked again', () => {
      it('should see the new binding (nothing is cached across index generations)', async () => {
        const { index, authorizer } = world();
        expect(await outcome(authorizer, editor, rightsGainedByGroupMembership('projects/p1/groups/editors', index))).to.equal('allowed');
        index.apply(binding('', 'editors-admin', 'roles/admin', 'group:editors@p1.groups.iam.edgelq.com'));
        expect(await outcome(authorizer, editor, rightsGainedByGroupMembership('projects/p1/groups/editors', index))).to.equal('refused');
      });
    });
  });
});
