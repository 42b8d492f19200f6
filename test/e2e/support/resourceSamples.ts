/**
 * The little the descriptors cannot say about a valid resource: the fields each kind needs on
 * create (and what they refer to), a writable spec field to change, and a different value for each
 * immutable field. Everything else the e2e suite derives from the resource descriptors.
 */
import { resourceByKind, type ResourceDescriptor, type ResourceKind } from '@keystream/api';
import type { JsonObject } from './restClient.js';

/** What a sample may ask of the fixtures: fresh ids, and referenced resources that exist. */
export interface SampleContext {
  /** A fresh id valid for every kind. */
  newId(): string;
  /** The name of a Role that exists (created on demand). */
  existingRole(): Promise<string>;
}

/** A change to a writable field outside metadata (so it bumps `metadata.generation`). */
export interface SpecChange {
  /** Proto field path, as update masks name it. */
  readonly path: string;
  /** The field's new value, as the resource holds it (JSON). */
  readonly value: unknown;
}

/** Per-kind knowledge the descriptors do not hold. */
export interface ResourceSample {
  /** Fields a new resource needs besides its name. */
  readonly required: (context: SampleContext) => Promise<JsonObject>;
  /** A spec change when the kind has no writable top-level string field to derive one from. */
  readonly specChange?: SpecChange;
  /** For each of the descriptor's immutable paths, a valid value different from the sample's. */
  readonly immutableChanges?: Readonly<Record<string, unknown>>;
}

/**
 * Output-only fields a Create answers once and nothing else ever returns (secrets are never
 * stored: ARCHITECTURE.md §3), as JSON names per kind.
 */
const RETURNED_ONCE: Readonly<Record<string, readonly string[]>> = { ServiceAccountKey: ['privateKeyData', 'apiKey'] };

/** The resource as reads return it: without the fields only its Create answered. */
export function asStored(kind: ResourceKind, resource: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const once = new Set(RETURNED_ONCE[kind] ?? []);
  return Object.fromEntries(Object.entries(resource).filter(([field]) => !once.has(field)));
}

const NOTHING_REQUIRED = async (): Promise<JsonObject> => Promise.resolve({});

const WITH_REGION_POLICY = async (): Promise<JsonObject> => Promise.resolve({ multiRegionPolicy: { defaultControlRegion: 'eu1' } });

const SAMPLES: Readonly<Record<string, ResourceSample>> = {
  GroupMember: {
    required: async (context) => Promise.resolve({ member: `user:${context.newId()}@example.com` }),
    immutableChanges: { member: 'user:someone-else@example.com' },
  },
  // The SDK requires a multi-region policy of every Organization and Project (rules.tsv).
  Organization: { required: WITH_REGION_POLICY, immutableChanges: { parent_organization: 'organizations/elsewhere' } },
  Project: { required: WITH_REGION_POLICY, immutableChanges: { parent_organization: 'organizations/elsewhere' } },
  OrganizationInvitation: {
    required: async (context) => ({ invitation: { inviteeEmail: `${context.newId()}@example.com`, bindingRoles: [{ role: await context.existingRole() }] } }),
    specChange: { path: 'invitation.language_code', value: 'ja-jp' },
    immutableChanges: { 'invitation.invitee_email': 'someone-else@example.com' },
  },
  ProjectInvitation: {
    required: async (context) => ({ invitation: { inviteeEmail: `${context.newId()}@example.com`, bindingRoles: [{ role: await context.existingRole() }] } }),
    specChange: { path: 'invitation.language_code', value: 'ja-jp' },
    immutableChanges: { 'invitation.invitee_email': 'someone-else@example.com' },
  },
  Role: { required: NOTHING_REQUIRED, immutableChanges: { category: 'SERVICE', owned_objects: ['regions/{region}'] } },
  RoleBinding: {
    required: async (context) => ({ role: await context.existingRole(), member: `user:${context.newId()}@example.com` }),
    specChange: { path: 'scope_params', value: [{ name: 'region', string: { value: 'eu' } }] },
    immutableChanges: { role: 'services/elsewhere/roles/other', member: 'user:someone-else@example.com' },
  },
  ServiceAccount: { required: NOTHING_REQUIRED, immutableChanges: { kind: 'AGENT' } },
  ServiceAccountKey: { required: NOTHING_REQUIRED, immutableChanges: { algorithm: 'RSA_4096', public_key_data: 'another key' } },
};

/** The sample of a kind (kinds not listed need nothing special). */
export function sampleOf(kind: ResourceKind): ResourceSample {
  return SAMPLES[kind] ?? { required: NOTHING_REQUIRED };
}

/**
 * The kind's spec change: the sample's, else the first writable single string field of the
 * message outside metadata (display_name, title, full_name, …). Undefined when the kind has none.
 */
export function specChangeOf(descriptor: ResourceDescriptor): SpecChange | undefined {
  const declared = sampleOf(descriptor.kind).specChange;
  if (declared !== undefined) return declared;
  const field = descriptor.message.fields.find(
    (candidate) =>
      candidate.cardinality === 'single' &&
      candidate.value.kind === 'scalar' &&
      candidate.value.scalar === 'string' &&
      candidate.relation === undefined &&
      candidate.protoName !== 'name' &&
      // A User's email is a principal identity; changing it is not what this probe is about.
      candidate.protoName !== 'email' &&
      !descriptor.outputOnlyPaths.includes(candidate.protoName) &&
      !descriptor.immutablePaths.includes(candidate.protoName),
  );
  return field === undefined ? undefined : { path: field.protoName, value: `changed ${field.protoName}` };
}

/** Checks, at load time, that the samples give a value for every immutable path of every kind. */
export function assertSamplesCover(kinds: readonly ResourceKind[]): void {
  for (const kind of kinds) {
    const descriptor = resourceByKind(kind);
    const changes = sampleOf(kind).immutableChanges ?? {};
    const missing = descriptor.immutablePaths.filter((path) => !(path in changes));
    if (missing.length > 0) throw new Error(`resourceSamples: ${kind} needs a changed value for immutable ${missing.join(', ')}`);
  }
}
