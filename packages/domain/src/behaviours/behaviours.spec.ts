import type { ResourceKind } from '@keystream/api';
import { expect } from 'chai';
import type { JsonObject } from '../events/resourceEvents.js';
import { DeciderSpecification, testContext } from '../testing/deciderSpecification.js';

function createdResource(kind: ResourceKind, resource: JsonObject, references: Record<string, JsonObject | undefined> = {}, actor?: string): JsonObject {
  const decision = DeciderSpecification.for(kind)
    .given([])
    .when({ type: 'create', kind, resource }, testContext({ references, ...(actor === undefined ? {} : { actor }) }))
    .then(() => undefined);
  return decision.resource!;
}

describe('Group', () => {
  describe('when created', () => {
    it('should get its email from its name: system, organization and project groups', () => {
      expect(createdResource('Group', { name: 'groups/admins' })['email']).to.equal('admins@groups.iam.edgelq.com');
      expect(createdResource('Group', { name: 'organizations/acme/groups/ops' }, { 'organizations/acme': {} })['email']).to.equal('ops@acme.groups.iam.edgelq.com');
      expect(createdResource('Group', { name: 'projects/p1/groups/dev' }, { 'projects/p1': {} })['email']).to.equal('dev@p1.groups.iam.edgelq.com');
    });

    it('should not take an email from the request', () => {
      expect(createdResource('Group', { name: 'groups/admins', email: 'forged@evil.example' })['email']).to.equal('admins@groups.iam.edgelq.com');
    });
  });
});

describe('GroupMember', () => {
  it('should record the group as parent_member and check the member', () => {
    expect(createdResource('GroupMember', { name: 'groups/g1/groupMembers/m1', member: 'user:bob@example.com' }, { 'groups/g1': {} })['parentMember']).to.equal(
      'group:g1@groups.iam.edgelq.com',
    );
    DeciderSpecification.for('GroupMember')
      .given([])
      .when({ type: 'create', kind: 'GroupMember', resource: { name: 'groups/g1/groupMembers/m1', member: 'allUsers' } }, testContext({ references: { 'groups/g1': {} } }))
      .thenThrows('INVALID_ARGUMENT', /member: "allUsers" is not a member/);
  });
});

describe('Organization and Project', () => {
  const root = { name: 'organizations/root' };
  const child = { name: 'organizations/child', parentOrganization: 'organizations/root', rootOrganization: 'organizations/root', ancestryPath: ['organizations/root'] };

  it('should make an organization without parent its own root', () => {
    const created = createdResource('Organization', { name: 'organizations/root' });
    expect(created['rootOrganization']).to.equal('organizations/root');
    expect(created['ancestryPath']).to.equal(undefined);
  });

  it('should extend the parent organization\'s ancestry, three levels deep', () => {
    const grandchild = createdResource('Organization', { name: 'organizations/grandchild', parentOrganization: 'organizations/child' }, { 'organizations/child': child, 'organizations/root': root });
    expect(grandchild['ancestryPath']).to.deep.equal(['organizations/root', 'organizations/child']);
    expect(grandchild['rootOrganization']).to.equal('organizations/root');
    const project = createdResource('Project', { name: 'projects/p1', parentOrganization: 'organizations/child' }, { 'organizations/child': child });
    expect([project['ancestryPath'], project['rootOrganization']]).to.deep.equal([['organizations/root', 'organizations/child'], 'organizations/root']);
  });

  it('should refuse a parent organization that does not exist', () => {
    DeciderSpecification.for('Project')
      .given([])
      .when({ type: 'create', kind: 'Project', resource: { name: 'projects/p1', parentOrganization: 'organizations/ghost' } })
      .thenThrows('INVALID_ARGUMENT', /parent_organization: Organization organizations\/ghost does not exist/);
  });
});

describe('Role', () => {
  it('should list the services its grants use', () => {
    const role = createdResource(
      'Role',
      {
        name: 'projects/p1/roles/r1',
        grants: [
          { permissions: ['services/iam.edgelq.com/permissions/roles.get', 'services/devices.edgelq.com/permissions/devices.list'] },
          { permissions: ['services/iam.edgelq.com/permissions/roles.list'] },
        ],
      },
      { 'projects/p1': {} },
    );
    expect(role['services']).to.deep.equal(['services/devices.edgelq.com', 'services/iam.edgelq.com']);
  });
});

describe('RoleBinding', () => {
  const role = { name: 'services/s1/roles/device-owner', category: 'USER', ownedObjects: ['regions/{region}/devices/{device}'] };

  it('should copy the category, expand owned objects and set member_type', () => {
    const binding = createdResource(
      'RoleBinding',
      {
        name: 'projects/p1/roleBindings/rb1',
        role: role.name,
        member: 'user:bob@example.com',
        scopeParams: [
          { name: 'region', string: { value: 'eu' } },
          { name: 'device', strings: { values: ['d1', 'd2'] } },
        ],
        category: 'OWNER',
      },
      { 'projects/p1': {}, [role.name]: role },
    );
    expect(binding).to.deep.include({
      memberType: 'user',
      category: 'USER',
      hasOwnedObjects: true,
      ownedObjects: ['regions/eu/devices/d1', 'regions/eu/devices/d2'],
    });
  });

  it('should refuse a role that does not exist, a missing scope param and a malformed member', () => {
    DeciderSpecification.for('RoleBinding')
      .given([])
      .when({ type: 'create', kind: 'RoleBinding', resource: { name: 'roleBindings/rb1', role: 'services/s1/roles/ghost', member: 'user:bob@example.com' } })
      .thenThrows('INVALID_ARGUMENT', /role_binding\.role: Role services\/s1\/roles\/ghost does not exist/);
    DeciderSpecification.for('RoleBinding')
      .given([])
      .when(
        { type: 'create', kind: 'RoleBinding', resource: { name: 'roleBindings/rb1', role: role.name, member: 'user:bob@example.com' } },
        testContext({ references: { [role.name]: role } }),
      )
      .thenThrows('INVALID_ARGUMENT', /needs scope param "region"/);
    DeciderSpecification.for('RoleBinding')
      .given([])
      .when({ type: 'create', kind: 'RoleBinding', resource: { name: 'roleBindings/rb1', role: role.name, member: 'bob@example.com' } }, testContext({ references: { [role.name]: role } }))
      .thenThrows('INVALID_ARGUMENT', /role_binding\.member: "bob@example\.com" is not a member/);
  });

  it('should accept domain: and allAuthenticatedUsers members', () => {
    const plain = { name: 'services/s1/roles/viewer' };
    for (const member of ['domain:example.com', 'allAuthenticatedUsers', 'group:ops@acme.groups.iam.edgelq.com']) {
      expect(createdResource('RoleBinding', { name: 'roleBindings/rb1', role: plain.name, member }, { [plain.name]: plain })['memberType']).to.equal(member.split(':')[0]);
    }
  });
});

describe('User and ServiceAccount', () => {
  it('should keep a user\'s email in lower case', () => {
    expect(createdResource('User', { name: 'users/u1', email: 'Alice@Example.COM' })['email']).to.equal('alice@example.com');
  });

  it('should derive a service account\'s email from its name', () => {
    expect(createdResource('ServiceAccount', { name: 'projects/p1/regions/eu/serviceAccounts/agent_1' }, { 'projects/p1': {} })['email']).to.equal(
      'agent_1@p1.serviceaccounts.iam.edgelq.com',
    );
  });
});

describe('invitations', () => {
  const viewer = { name: 'projects/p1/roles/viewer' };

  it('should start PENDING with the inviter and a default expiry, and copy the project title', () => {
    const invitation = createdResource(
      'ProjectInvitation',
      { name: 'projects/p1/projectInvitations/i1', invitation: { inviteeEmail: 'bob@example.com', bindingRoles: [{ role: viewer.name }], state: 'ACCEPTED' } },
      { 'projects/p1': { name: 'projects/p1', title: 'Payments' }, [viewer.name]: viewer },
      'user:alice@example.com',
    );
    expect(invitation['projectDisplayName']).to.equal('Payments');
    expect(invitation['invitation']).to.deep.include({
      state: 'PENDING',
      inviterEmail: 'alice@example.com',
      expirationDate: '2026-01-09T03:04:05.000000000Z',
    });
  });

  it('should refuse binding roles that do not exist, naming each', () => {
    DeciderSpecification.for('OrganizationInvitation')
      .given([])
      .when(
        { type: 'create', kind: 'OrganizationInvitation', resource: { name: 'organizations/o1/organizationInvitations/i1', invitation: { inviteeEmail: 'bob@example.com', bindingRoles: [{ role: 'organizations/o1/roles/ghost' }] } } },
        testContext({ references: { 'organizations/o1': {} } }),
      )
      .thenThrows('INVALID_ARGUMENT', /invitation\.binding_roles\[0\]\.role: Role organizations\/o1\/roles\/ghost does not exist/);
  });

  it('should not let an update change the state or the inviter', () => {
    const created = createdResource(
      'OrganizationInvitation',
      { name: 'organizations/o1/organizationInvitations/i1', invitation: { inviteeEmail: 'bob@example.com', bindingRoles: [{ role: 'services/s/roles/viewer' }] } },
      { 'organizations/o1': {}, 'services/s/roles/viewer': {} },
    );
    DeciderSpecification.for('OrganizationInvitation')
      .given([{ type: 'OrganizationInvitationCreated', data: { resource: created } }])
      .when(
        { type: 'update', kind: 'OrganizationInvitation', resource: { name: created['name'] as string, invitation: { inviteeEmail: 'bob@example.com', bindingRoles: [{ role: 'services/s/roles/viewer' }], state: 'ACCEPTED', inviterEmail: 'mallory@evil.example', languageCode: 'ja-jp' } } },
        testContext({ references: { 'organizations/o1': {}, 'services/s/roles/viewer': {} } }),
      )
      .then((events) => {
        expect((events[0]!.data['resource'] as JsonObject)['invitation']).to.deep.include({ state: 'PENDING', inviterEmail: 'alice@example.com', languageCode: 'ja-jp' });
      });
  });
});

describe('AttestationDomain', () => {
  const create = (resource: JsonObject) =>
    DeciderSpecification.for('AttestationDomain')
      .given([])
      .when({ type: 'create', kind: 'AttestationDomain', resource: { name: 'projects/p1/attestationDomains/fleet', ...resource } }, testContext({ references: { 'projects/p1': {} } }));

  it('should refuse expected PCRs a TPM cannot report, naming the PCR', () => {
    create({ policies: [{ expectedPcrs: [{ index: 7, digestAlg: 'SHA256', digestHex: 'ab' }] }] }).thenThrows('INVALID_ARGUMENT', /attestation_domain\.policies\[0\]\.expected_pcrs\[0\]\.digest_hex: expected 64 hexadecimal digits/);
    const twice = { index: 7, digestAlg: 'SHA256', digestHex: '00'.repeat(32) };
    create({ policies: [{}, { expectedPcrs: [twice, twice] }] }).thenThrows('INVALID_ARGUMENT', /policies\[1\]\.expected_pcrs\[1\]: PCR 7 of bank SHA256 is listed twice/);
    create({ policies: [{ expectedPcrs: [{ index: 24, digestAlg: 'SHA1', digestHex: '00'.repeat(20) }] }] }).thenThrows('INVALID_ARGUMENT', /expected_pcrs\[0\]\.index: 24 is not a PCR index/);
  });

  it('should refuse manufacturer certificates and enrolled keys that do not parse', () => {
    create({ policies: [{ manufacturerRootCaCertsPem: 'not a certificate' }] }).thenThrows('INVALID_ARGUMENT', /policies\[0\]\.manufacturer_root_ca_certs_pem: expected PEM certificates/);
    create({ enrollmentList: [{ pubkeyPem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' }] }).thenThrows('INVALID_ARGUMENT', /enrollment_list\[0\]\.pubkey_pem: expected a PEM public key/);
  });

  it('should accept sane policies', () => {
    const resource = create({ policies: [{ expectedPcrs: [{ index: 0, digestAlg: 'SHA256', digestHex: 'AB'.repeat(32) }], requireEnrollment: false }] });
    resource.then((events) => expect(events).to.have.length(1));
  });
});

describe('Condition', () => {
  describe('having IP conditions with CIDRs that do not parse', () => {
    for (const cidrs of [['not-a-cidr'], ['10.0.0.0/33'], ['10.0.0.0/8', '1.2.3.4/-1'], ['::/129'], ['10.0.0.0/8/8'], [''], ['10.0.0.0/ 8']]) {
      describe(`when created with ${JSON.stringify(cidrs)}`, () => {
        it('should be INVALID_ARGUMENT naming the entry', () => {
          for (const list of ['allowedCidrs', 'disabledCidrs']) {
            DeciderSpecification.for('Condition')
              .given([])
              .when({ type: 'create', kind: 'Condition', resource: { name: 'conditions/c1', ipCondition: { [list]: cidrs } } })
              .thenThrows('INVALID_ARGUMENT', /is not a CIDR/);
          }
        });
      });
    }
  });

  describe('having valid CIDRs', () => {
    describe('when created', () => {
      it('should be accepted', () => {
        const created = createdResource('Condition', { name: 'conditions/c1', ipCondition: { allowedCidrs: ['10.0.0.0/8', '2001:db8::/32', '192.168.1.1'], disabledCidrs: ['0.0.0.0/0'] } });
        expect(created['ipCondition']).to.deep.equal({ allowedCidrs: ['10.0.0.0/8', '2001:db8::/32', '192.168.1.1'], disabledCidrs: ['0.0.0.0/0'] });
      });
    });
  });
});
