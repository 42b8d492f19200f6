/**
 * Builds the authentication and authorization components of a process from its configuration:
 * the development issuer (key in the data directory), the OIDC verifier, the authenticator on the
 * write model, the authorization index fed from the event log, and the request pipeline in front
 * of the method handlers.
 */
import { AttestationVerifier, deriveAttestationKeys } from '@keystream/attestation';
import { Authenticator, Authorizer, AuthzFeed, AuthzIndex, DevIssuer, OidcVerifier } from '@keystream/authz';
import type { EventStore } from '@keystream/eventstore';
import type { ReadStore } from '@keystream/readstore';
import { buildHandlerRegistry, EventStoreTicketLedger, RequestPipeline, ServiceRegistry, type AnyMethodHandler, type ApplicationServices, type CommandService, type IdentityProvider, type QueryService, type ResourceRepository } from '@keystream/service-api';
import type { MethodName } from '@keystream/api';
import type { KeystreamConfig } from '../config.js';
import { attestationKeyOf } from '../pageTokenKey.js';
import { eventStoreCredentials } from './credentialStore.js';

/** The development issuer of a configuration, when it is enabled. */
export function devIssuerOf(config: KeystreamConfig): DevIssuer | undefined {
  return config.auth.devIssuer ? DevIssuer.open(config.dataDirectory, config.auth.audience) : undefined;
}

/** What the pipeline is built on. */
export interface PipelineParts {
  readonly eventStore: EventStore;
  readonly repository: ResourceRepository;
  readonly commands: CommandService;
  readonly queries: QueryService;
  readonly readStore: ReadStore;
  /** Where users' login identities live. */
  readonly identity: IdentityProvider;
  /** Replaces the handler registry (tests that only observe what gets past authorization). */
  readonly handlers?: ReadonlyMap<MethodName, AnyMethodHandler>;
  /**
   * Handlers composed here rather than in the registry because they need services of this process
   * (the notifier, the process managers): invitations and memberships. They take the
   * application services the pipeline is built with, and override the registry's entries.
   */
  readonly extraHandlers?: (app: ApplicationServices) => ReadonlyMap<MethodName, AnyMethodHandler>;
  /** The clock of the application (tests move it). */
  readonly clock?: () => Date;
}

/** The request pipeline of a process: authentication and authorization in front of every handler. */
export function buildRequestPipeline(config: KeystreamConfig, parts: PipelineParts): RequestPipeline {
  const oidc = config.auth.oidc === undefined ? undefined : new OidcVerifier(config.auth.oidc);
  const authenticator = new Authenticator({
    credentials: eventStoreCredentials(parts.eventStore, parts.repository),
    audience: config.auth.audience,
    devIssuer: devIssuerOf(config),
    oidc,
  });
  const index = new AuthzIndex();
  const clock = parts.clock ?? ((): Date => new Date());
  // Every api replica derives the same keys, so any of them finishes an exchange another started.
  const attestationKeys = deriveAttestationKeys(attestationKeyOf(config));
  const verifier = new AttestationVerifier({ keys: attestationKeys, ledger: new EventStoreTicketLedger(parts.eventStore), now: clock });
  const app: ApplicationServices = {
    commands: parts.commands,
    queries: parts.queries,
    repository: parts.repository,
    eventStore: parts.eventStore,
    authenticator,
    authorizer: new Authorizer(index),
    index,
    clock,
    attestation: { verifier, keys: attestationKeys },
    readStore: parts.readStore,
    identity: parts.identity,
    shards: config.shards,
    services: new ServiceRegistry(parts.eventStore),
  };
  const handlers = parts.handlers ?? (parts.extraHandlers === undefined ? undefined : new Map([...buildHandlerRegistry(), ...parts.extraHandlers(app)]));
  return new RequestPipeline({
    app,
    feed: new AuthzFeed(parts.eventStore, index),
    ...(handlers === undefined ? {} : { handlers }),
  });
}

/** A development token for `email` (what `keystream token --user` prints). */
export async function mintDevToken(config: KeystreamConfig, email: string, ttlSeconds?: number): Promise<string> {
  const issuer = devIssuerOf(config);
  if (issuer === undefined) throw new Error('the development issuer is disabled (KEYSTREAM_DEV_ISSUER=false or an OIDC issuer is configured)');
  return issuer.mint({ email, ttlSeconds });
}
