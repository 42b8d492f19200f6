/**
 * What a method handler works with: who calls, the envelope its writes carry, and the few services
 * of the application. Transports never build one; the request pipeline does, once per call.
 */
import type { MethodDescriptor } from '@keystream/api';
import type { AttestationKeys, AttestationVerifier } from '@keystream/attestation';
import type { Authenticator, Authorizer, AuthzIndex, Principal } from '@keystream/authz';
import type { EventStore } from '@keystream/eventstore';
import type { ReadStore } from '@keystream/readstore';
import type { CommandService } from '../core/commandService.js';
import type { QueryService } from '../core/queryService.js';
import type { ResourceRepository } from '../core/resourceRepository.js';
import type { CommandEnvelope } from './commandEnvelope.js';
import type { IdentityProvider } from './identity/identityProvider.js';
import type { ShardPlan } from './serviceAccounts/shardPlan.js';
import type { ServiceRegistry } from './serviceProjects/serviceRegistry.js';

/** The application's services, shared by every handler. */
export interface ApplicationServices {
  /** Writes: load → decide → append, with optimistic concurrency and idempotent retries. */
  readonly commands: CommandService;
  /** Reads from the read model (Get, BatchGet, List, Search). */
  readonly queries: QueryService;
  /** The write model: resources as their streams say, strongly consistent. */
  readonly repository: ResourceRepository;
  /** For the few events that are not a resource's lifecycle (an API key's hash stream). */
  readonly eventStore: EventStore;
  /** Turns tokens into principals (GetPrincipal about a token, RefreshUserFromIdToken). */
  readonly authenticator: Authenticator;
  /** The authorization state: bindings of a principal, roles by name, scope ancestry. */
  readonly authorizer: Authorizer;
  readonly index: AuthzIndex;
  readonly clock: () => Date;
  /** The read model itself, for lookups a List cannot express (users by address, keys of an account). */
  readonly readStore: ReadStore;
  /** Where users' login identities live (docs/identity.md). */
  readonly identity: IdentityProvider;
  /** Agent shards and their endpoints. */
  readonly shards: ShardPlan;
  /** Service projects, reserved service names and registered services. */
  readonly services: ServiceRegistry;
  /** TPM attestation: the Verify exchange and the keys attestation tokens are checked with. */
  readonly attestation: AttestationServices;
}

/** What Verify and AttestationConditions work with. */
export interface AttestationServices {
  readonly verifier: AttestationVerifier;
  readonly keys: AttestationKeys;
}

/** One call as its handler sees it. */
export interface HandlerContext {
  readonly method: MethodDescriptor;
  /** The authenticated caller (authorization has already allowed the call). */
  readonly principal: Principal;
  /** Actor and ids of this request: hand it to every command the handler issues. */
  readonly envelope: CommandEnvelope;
  /** The position the caller has already seen (`x-keystream-min-position`): reads wait for it. */
  readonly minPosition: string | undefined;
  /** The request's headers, lower-case names (for the few options a header carries: a dry run, Verify's ticket). */
  readonly headers: Readonly<Record<string, string>>;
  readonly app: ApplicationServices;
}
