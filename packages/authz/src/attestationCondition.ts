/**
 * AttestationConditions: a grant under one allows only a request that proves the condition's
 * attestation domain (a verified attestation token of the caller, see docs/attestation.md), except
 * for the permissions the condition exempts.
 */

/**
 * Permissions an AttestationCondition without its own `except_permissions` exempts: the ones a
 * device needs to obtain an attestation token in the first place (the API reference's default).
 */
export const DEFAULT_ATTESTATION_EXCEPTIONS: readonly string[] = [
  'services/iam.edgelq.com/permissions/attestationDomains.get',
  'services/iam.edgelq.com/permissions/attestationDomains.verify',
  'services/iam.edgelq.com/permissions/serviceAccounts.get',
  'services/iam.edgelq.com/permissions/serviceAccountKeys.get',
  'services/devices.edgelq.com/permissions/devices.list',
  'services/devices.edgelq.com/permissions/provisioningPolicies.list',
  'services/devices.edgelq.com/permissions/provisioningPolicies.provisionDeviceViaPolicy',
  'services/devices.edgelq.com/permissions/provisioningPolicies.requestProvisioningApproval',
];

/** Whether an AttestationCondition lets `request` through: an exempt permission, or a token for its domain. */
export function attestationConditionPasses(attestation: Readonly<Record<string, unknown>>, request: { readonly permission: string; readonly attestedDomains?: ReadonlySet<string> | undefined }): boolean {
  const listed = Array.isArray(attestation['exceptPermissions']) ? attestation['exceptPermissions'] : [];
  const exempt = listed.length > 0 ? listed : DEFAULT_ATTESTATION_EXCEPTIONS;
  if (exempt.includes(request.permission)) return true;
  const domain = attestation['domain'];
  // A condition naming no domain can be satisfied by nothing.
  return typeof domain === 'string' && domain !== '' && request.attestedDomains?.has(domain) === true;
}
