/**
 * Builds the authentication and authorization components of a process from its configuration:
 * the development issuer (key in the data directory), the OIDC verifier, the authenticator on the
 * write model, the authorization index fed from the event log, and the request pipeline in front
 * of the method handlers.
 */
import { AttestationVerifier, deriveAttestationKeys } from '@keystream/attestation';
import { Authenticator, Authorizer, AuthzFeed, AuthzIndex, DevIssuer, OidcVerifier } from '@keystream/authz';
import type { EventStore } from '@keystream/eventstore';
import { EventStoreTicketLedger, RequestPipeline, type AnyMethodHandler, type CommandService, type QueryService, type ResourceRepository } from '@keystream/service-api';
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
  /** Replaces the handler registry (tests that only observe what gets past authorization). */
  readonly handlers?: ReadonlyMap<MethodName, AnyMethodHandler>;
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
  const clock = (): Date => new Date();
  // Every api replica derives the same keys, so any of them finishes an exchange another started.
  const attestationKeys = deriveAttestationKeys(attestationKeyOf(config));
  const verifier = new AttestationVerifier({ keys: attestationKeys, ledger: new EventStoreTicketLedger(parts.eventStore), now: clock });
  return new RequestPipeline({
    app: {
      commands: parts.commands,
      queries: parts.queries,
      repository: parts.repository,
      eventStore: parts.eventStore,
      authenticator,
      authorizer: new Authorizer(index),
      index,
      clock,
      attestation: { verifier, keys: attestationKeys },
    },
    feed: new AuthzFeed(parts.eventStore, index),
    ...(parts.handlers === undefined ? {} : { handlers: parts.handlers }),
  });
}

/** A development token for `email` (what `keystream token --user` prints). */
export async function mintDevToken(config: KeystreamConfig, email: string, ttlSeconds?: number): Promise<string> {
  const issuer = devIssuerOf(config);
  if (issuer === undefined) throw new Error('the development issuer is disabled (KEYSTREAM_DEV_ISSUER=false or an OIDC issuer is configured)');
  return issuer.mint({ email, ttlSeconds });
}
