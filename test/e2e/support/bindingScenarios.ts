/**
 * What a client does before a custom method can succeed, for the bindings whose minimal request
 * (the SDK's required fields and the path) is not enough: the state the method acts on (a service
 * project and a reservation, an invitation addressed to the caller, a User of the caller, an agent
 * account, a TPM's challenge request) and, where the method is about the calling user, that user's
 * own credentials. Each scenario fills the request in place and names the caller.
 */
import type { SoftwareTpm } from '@keystream/attestation/testing';
import type { WireRequest } from '@keystream/api/testing';
import { DEFAULT_DEV_ADMIN } from '@keystream/keystream';
import { expect } from 'chai';
import { newId, type ResourceFixtures } from './resourceFixtures.js';
import type { JsonObject, RestAnswer } from './restClient.js';

/** What a scenario may use. */
export interface ScenarioContext {
  readonly fixtures: ResourceFixtures;
  /** Headers of a request made by `email` (a development ID token of that user). */
  headersFor(email: string): Promise<Record<string, string>>;
  /** A running software TPM, when swtpm/tpm2-tools are installed. */
  readonly tpm: SoftwareTpm | undefined;
}

/** Prepares the request of one binding; answers the caller's headers when it is not the administrator. */
export type BindingScenario = (request: WireRequest, context: ScenarioContext) => Promise<Record<string, string> | undefined>;

/** The region the scenarios put regional resources in. */
const REGION = 'eu1';

function ok(answer: RestAnswer, what: string): JsonObject {
  expect(answer.status, `${what}: ${answer.text}`).to.equal(200);
  return answer.body;
}

/** A new project set up to own services (SetupServiceProject). */
async function serviceProject(context: ScenarioContext): Promise<string> {
  const name = `projects/${newId()}`;
  ok(await context.fixtures.client.call('SetupServiceProject', { name, title: 'service owner', multiRegionPolicy: { defaultControlRegion: REGION } }), 'SetupServiceProject');
  return name;
}

/** A service name reserved by a new service project for a new admin account. */
async function reservation(context: ScenarioContext): Promise<{ project: string; service: string; adminAccount: string }> {
  const project = await serviceProject(context);
  const service = `services/${newId()}.example.com`;
  const adminAccount = `${project}/regions/${REGION}/serviceAccounts/${newId('a')}`;
  ok(await context.fixtures.client.call('ReserveServiceName', { name: project, service, adminAccount }), 'ReserveServiceName');
  return { project, service, adminAccount };
}

/** A User the administrator created for a new address (not verified); answers its address. */
async function createdUser(context: ScenarioContext, fields: JsonObject = {}): Promise<string> {
  const email = `${newId('u')}@example.com`;
  await context.fixtures.create('User', { fields: { email, ...fields } });
  return email;
}

/** A user who signed in: their User made from their own ID token (RefreshUserFromIdToken). */
async function signedInUser(context: ScenarioContext): Promise<Record<string, string>> {
  const headers = await context.headersFor(`${newId('s')}@example.com`);
  const idToken = (headers['authorization'] ?? '').replace(/^Bearer /, '');
  ok(await context.fixtures.client.call('RefreshUserFromIdToken', { idToken }, { headers }), 'RefreshUserFromIdToken');
  return headers;
}

/** An invitation of `kind` under the request's scope, addressed to a new user, who is the caller. */
function invitee(kind: 'ProjectInvitation' | 'OrganizationInvitation'): BindingScenario {
  return async (request, context) => {
    const email = `${newId('i')}@example.com`;
    const scope = (request['name'] as string).split('/').slice(0, 2).join('/');
    const created = await context.fixtures.create(kind, {
      name: `${scope}/${kind === 'ProjectInvitation' ? 'projectInvitations' : 'organizationInvitations'}/${newId()}`,
      fields: { invitation: { inviteeEmail: email, bindingRoles: [{ role: await context.fixtures.existingRole() }] } },
    });
    request['name'] = created.name;
    return context.headersFor(email);
  };
}

/** The scenarios, by RPC. */
export const BINDING_SCENARIOS: Readonly<Record<string, BindingScenario>> = {
  SetupServiceProject: async (request) => {
    Object.assign(request, { name: `projects/${newId()}`, title: 'service owner', multiRegionPolicy: { defaultControlRegion: REGION } });
    return Promise.resolve(undefined);
  },
  ReserveServiceName: async (request, context) => {
    const project = await serviceProject(context);
    Object.assign(request, { name: project, service: `services/${newId()}.example.com`, adminAccount: `${project}/regions/${REGION}/serviceAccounts/${newId('a')}` });
    return undefined;
  },
  DeleteServiceReservation: async (request, context) => {
    const reserved = await reservation(context);
    Object.assign(request, { name: reserved.project, service: reserved.service });
    return undefined;
  },
  AddRegionalAdminAccountForServices: async (request, context) => {
    const reserved = await reservation(context);
    const parent = `${reserved.project}/regions/${REGION}`;
    Object.assign(request, { parent, adminAccount: `${parent}/serviceAccounts/${newId('r')}`, services: [reserved.service] });
    return undefined;
  },
  GetMyAgentShard: async (request, context) => {
    request['name'] = (await context.fixtures.create('ServiceAccount', { fields: { kind: 'AGENT' } })).name;
    return undefined;
  },
  AcceptProjectInvitation: invitee('ProjectInvitation'),
  DeclineProjectInvitation: invitee('ProjectInvitation'),
  AcceptOrganizationInvitation: invitee('OrganizationInvitation'),
  DeclineOrganizationInvitation: invitee('OrganizationInvitation'),
  BatchGetUsersByEmail: async (request, context) => {
    request['emails'] = [await createdUser(context)];
    return undefined;
  },
  GetUserByEmail: async (request, context) => {
    request['email'] = await createdUser(context);
    return undefined;
  },
  DeleteUsersByCriteria: async (request, context) => {
    request['byEmail'] = { values: [await createdUser(context)] };
    return undefined;
  },
  // A client relays a user's ID token (here: a new user's, relayed by the administrator).
  RefreshUserFromIdToken: async (request, context) => {
    request['idToken'] = ((await context.headersFor(`${newId('r')}@example.com`))['authorization'] ?? '').replace(/^Bearer /, '');
    return undefined;
  },
  // The user methods are about the calling user, who must hold a User resource.
  IsUserVerified: async (_request, context) => signedInUser(context),
  ResetMFAIfRecoveryKeyUsed: async (_request, context) => signedInUser(context),
  ResendVerificationEmail: async (_request, context) => context.headersFor(await createdUser(context)),
  SetUsersNameInAuth0: async (_request, context) => context.headersFor(await createdUser(context, { fullName: 'Ada Lovelace' })),
  // The first call of Verify over REST: a TPM asks for a challenge for its EK and AK.
  Verify: async (request, context) => {
    const tpm = context.tpm;
    if (tpm === undefined) throw new Error('Verify needs a software TPM (swtpm, tpm2-tools)');
    const project = (await context.fixtures.create('Project')).name;
    const domain = `${project}/attestationDomains/${newId()}`;
    ok(await context.fixtures.client.call('CreateAttestationDomain', { parent: project, attestationDomain: { name: domain, policies: [{ manufacturerRootCaCertsPem: await tpm.manufacturerCertificatesPem() }] } }), 'CreateAttestationDomain');
    const ak = await tpm.createAk();
    const base64 = (bytes: Buffer): string => bytes.toString('base64');
    request['askForChallenge'] = {
      subject: DEFAULT_DEV_ADMIN,
      attestationDomain: domain,
      tpmVersion: 'TPMV20',
      ekpub: base64(await tpm.ekPublic()),
      ekcert: base64(await tpm.ekCertificate()),
      akpub: base64(ak.akpub),
      attest: base64(ak.attest),
      signature: base64(ak.signature),
    };
    return undefined;
  },
};
