/**
 * All resource descriptors. A new resource is one descriptor file plus a line here.
 */
import { attestationDomainDescriptor } from './attestationDomain.js';
import { conditionDescriptor } from './condition.js';
import { groupDescriptor } from './group.js';
import { groupMemberDescriptor } from './groupMember.js';
import { memberAssignmentDescriptor } from './memberAssignment.js';
import { organizationDescriptor } from './organization.js';
import { organizationInvitationDescriptor } from './organizationInvitation.js';
import { permissionDescriptor } from './permission.js';
import { projectDescriptor } from './project.js';
import { projectInvitationDescriptor } from './projectInvitation.js';
import type { ResourceKind } from '../generated/specModel.js';
import type { ResourceDescriptor } from './resourceDescriptor.js';
import { roleDescriptor } from './role.js';
import { roleBindingDescriptor } from './roleBinding.js';
import { serviceAccountDescriptor } from './serviceAccount.js';
import { serviceAccountKeyDescriptor } from './serviceAccountKey.js';
import { userDescriptor } from './user.js';

/** Every resource of iam.edgelq.com v1, in the reference's order. */
export const RESOURCES: readonly ResourceDescriptor[] = [
  attestationDomainDescriptor,
  conditionDescriptor,
  groupDescriptor,
  groupMemberDescriptor,
  memberAssignmentDescriptor,
  organizationDescriptor,
  organizationInvitationDescriptor,
  permissionDescriptor,
  projectDescriptor,
  projectInvitationDescriptor,
  roleDescriptor,
  roleBindingDescriptor,
  serviceAccountDescriptor,
  serviceAccountKeyDescriptor,
  userDescriptor,
];

const byKind = new Map<string, ResourceDescriptor>(RESOURCES.map((resource) => [resource.kind, resource]));

/** Whether a string (read from a stream name, an event, a request) is a resource kind of the contract. */
export function isResourceKind(value: string): value is ResourceKind {
  return byKind.has(value);
}

/** The descriptor of a kind; throws for a kind the contract does not have. */
export function resourceByKind(kind: ResourceKind): ResourceDescriptor {
  const resource = byKind.get(kind);
  if (!resource) throw new Error(`unknown resource kind ${kind}`);
  return resource;
}
