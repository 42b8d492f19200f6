/**
 * The behaviour of each kind that has one; kinds without special rules use the generic decider alone.
 */
import { conditionBehaviour } from './condition.js';
import type { ResourceKind } from '@keystream/api';
import { attestationDomainBehaviour } from './attestationDomain.js';
import { groupBehaviour } from './group.js';
import { groupMemberBehaviour } from './groupMember.js';
import { organizationInvitationBehaviour, projectInvitationBehaviour } from './invitation.js';
import { memberAssignmentBehaviour } from './memberAssignment.js';
import { organizationBehaviour, projectBehaviour } from './organizationTree.js';
import { serviceAccountBehaviour, userBehaviour } from './principals.js';
import type { ResourceBehaviour } from './resourceBehaviour.js';
import { roleBehaviour } from './role.js';
import { roleBindingBehaviour } from './roleBinding.js';

const BEHAVIOURS: Readonly<Partial<Record<ResourceKind, ResourceBehaviour>>> = {
  AttestationDomain: attestationDomainBehaviour,
  Condition: conditionBehaviour,
  Group: groupBehaviour,
  GroupMember: groupMemberBehaviour,
  MemberAssignment: memberAssignmentBehaviour,
  Organization: organizationBehaviour,
  OrganizationInvitation: organizationInvitationBehaviour,
  Project: projectBehaviour,
  ProjectInvitation: projectInvitationBehaviour,
  Role: roleBehaviour,
  RoleBinding: roleBindingBehaviour,
  ServiceAccount: serviceAccountBehaviour,
  User: userBehaviour,
};

const NONE: ResourceBehaviour = {};

/** The behaviour of a kind (empty for kinds without special rules). */
export function behaviourOf(kind: ResourceKind): ResourceBehaviour {
  return BEHAVIOURS[kind] ?? NONE;
}
