/**
 * Methods keystream serves beyond the iam.edgelq.com reference, with their messages, in the same
 * shape the spec parser produces so one generator, one codec, one route table and one OpenAPI
 * document cover them like the reference's own methods. They come from the invitation documents
 * the product is built from (`../shared/spec/README.md`): inviting many people in one call, codes
 * without a named invitee made in bulk, redeeming a code, and sending an organization invitation
 * again (the reference has ResendProjectInvitation only) — docs/invitations.md describes them;
 * and claiming a reserved service name, which the reference leaves to the meta service whose API
 * the upstream tables do not carry (RegisterService, docs/identity.md).
 */
import type { SpecEnum, SpecField, SpecMessage, SpecMethod } from './specParser.js';

/** The section name of the extension messages (the conformance test skips them). */
export const EXTENSION_SECTION = 'keystream';

const IAM = 'services/iam.edgelq.com/permissions';

function field(name: string, type: string, options: Partial<Omit<SpecField, 'name' | 'type'>> = {}): SpecField {
  return { name, type, repeated: options.repeated ?? false, ...options };
}

function message(name: string, fields: readonly SpecField[]): SpecMessage {
  return { name, section: EXTENSION_SECTION, fields: [...fields] };
}

const SCOPES = [
  { kind: 'ProjectInvitation', plural: 'ProjectInvitations', collection: 'projectInvitations', singular: 'project_invitation', scope: 'projects', permissions: 'projectInvitations' },
  { kind: 'OrganizationInvitation', plural: 'OrganizationInvitations', collection: 'organizationInvitations', singular: 'organization_invitation', scope: 'organizations', permissions: 'organizationInvitations' },
] as const;

/** Enums of the extension messages. */
export const EXTENSION_ENUMS: readonly SpecEnum[] = [
  { name: 'BatchInvitationResult.Status', section: EXTENSION_SECTION, values: ['STATUS_UNSPECIFIED', 'CREATED', 'ALREADY_INVITED', 'INVALID'] },
];

/** Messages of the extension methods. */
export const EXTENSION_MESSAGES: readonly SpecMessage[] = [
  message('BatchInvitationResult', [
    field('row', 'int32'),
    field('status', 'BatchInvitationResult.Status'),
    field('name', 'string'),
    field('reason', 'string'),
  ]),
  message('InvitationCode', [field('name', 'string'), field('code', 'string')]),
  message('AcceptInvitationCodeRequest', [field('code', 'string')]),
  message('AcceptInvitationCodeResponse', [field('name', 'string')]),
  ...SCOPES.flatMap((scope) => [
    message(`BatchCreate${scope.plural}Request`, [
      field('parent', 'string'),
      field(`${scope.singular}s`, scope.kind, { repeated: true }),
      field('idempotency_key', 'string'),
    ]),
    message(`BatchCreate${scope.plural}Response`, [field('results', 'BatchInvitationResult', { repeated: true })]),
    message(`Create${scope.kind}CodesRequest`, [
      field('parent', 'string'),
      field('count', 'int32'),
      field(scope.singular, scope.kind),
      field('idempotency_key', 'string'),
    ]),
    message(`Create${scope.kind}CodesResponse`, [field('codes', 'InvitationCode', { repeated: true })]),
  ]),
  // The reference has ResendProjectInvitation; organizations get the same.
  message('ResendOrganizationInvitationRequest', [field('name', 'string')]),
  message('ResendOrganizationInvitationResponse', []),
  // The one field of goten.meta.v1.CreateServiceRequest a registration needs: the Service itself.
  message('RegisterServiceRequest', [field('service', 'Service')]),
];

/** The extension methods. */
export const EXTENSION_METHODS: readonly SpecMethod[] = [
  ...SCOPES.flatMap((scope): SpecMethod[] => [
    {
      name: `BatchCreate${scope.plural}`,
      section: scope.kind,
      requestType: `BatchCreate${scope.plural}Request`,
      responseType: `BatchCreate${scope.plural}Response`,
      permissions: [`${IAM}/${scope.permissions}.create`],
      routes: [{ verb: 'POST', path: `/v1/{parent=${scope.scope}/*}/${scope.collection}:batchCreate`, body: '*' }],
    },
    {
      name: `Create${scope.kind}Codes`,
      section: scope.kind,
      requestType: `Create${scope.kind}CodesRequest`,
      responseType: `Create${scope.kind}CodesResponse`,
      permissions: [`${IAM}/${scope.permissions}.create`],
      routes: [{ verb: 'POST', path: `/v1/{parent=${scope.scope}/*}/${scope.collection}:createCodes`, body: '*' }],
    },
  ]),
  {
    name: 'ResendOrganizationInvitation',
    section: 'OrganizationInvitation',
    requestType: 'ResendOrganizationInvitationRequest',
    responseType: 'ResendOrganizationInvitationResponse',
    permissions: [`${IAM}/organizationInvitations.resend`],
    routes: [{ verb: 'POST', path: '/v1/{name=organizations/*/organizationInvitations/*}:resend', body: '*' }],
  },
  {
    name: 'AcceptInvitationCode',
    section: 'shared',
    requestType: 'AcceptInvitationCodeRequest',
    responseType: 'AcceptInvitationCodeResponse',
    // Any signed-in principal may present a code (the built-in self-service role grants it); the
    // code itself is the proof of being invited.
    permissions: [`${IAM}/projectInvitations.accept`],
    routes: [{ verb: 'POST', path: '/v1/invitations:acceptCode', body: '*' }],
  },
  {
    name: 'RegisterService',
    section: 'shared',
    requestType: 'RegisterServiceRequest',
    responseType: 'Service',
    // Any signed-in principal passes this gate (self-service); the reservation decides: only the
    // admin account ReserveServiceName named may claim the name (PERMISSION_DENIED otherwise).
    permissions: [`${IAM}/services.register`],
    routes: [{ verb: 'POST', path: '/v1/{service.name=services/*}:register', body: 'service' }],
  },
];
