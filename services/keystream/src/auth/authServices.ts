/**
 * Builds the authentication and authorization components of a process from its configuration:
 * the development issuer (key in the data directory), the OIDC verifier, the authenticator on the
 * write model, the authorization index fed from the event log, and the authorizing dispatcher.
 */
import { Authenticator, Authorizer, AuthzFeed, AuthzIndex, DevIssuer, OidcVerifier } from '@keystream/authz';
import type { EventStore } from '@keystream/eventstore';
import type { ApiResult, AuthenticatedCall, CommandService, ResourceRepository } from '@keystream/service-api';
import type { KeystreamConfig } from '../config.js';
import type { MethodHandler } from '../methods/methodHandler.js';
import { AuthorizingDispatcher } from './authorizingDispatcher.js';
import { eventStoreCredentials } from './credentialStore.js';

/** The development issuer of a configuration, when it is enabled. */
export function devIssuerOf(config: KeystreamConfig): DevIssuer | undefined {
  return config.auth.devIssuer ? DevIssuer.open(config.dataDirectory, config.auth.audience) : undefined;
}

/** Everything the authorizing front needs, built once per process. */
export function buildAuthorizingDispatcher(
  config: KeystreamConfig,
  parts: {
    eventStore: EventStore;
    repository: ResourceRepository;
    commands: CommandService;
    inner: (call: AuthenticatedCall) => Promise<ApiResult>;
    /** Custom method handlers, built with the authorization state they may need (the invitation escalation check). */
    handlers?: (authorization: { authorizer: Authorizer; feed: AuthzFeed; index: AuthzIndex }) => ReadonlyMap<string, MethodHandler>;
  },
): AuthorizingDispatcher {
  const oidc = config.auth.oidc === undefined ? undefined : new OidcVerifier(config.auth.oidc);
  const authenticator = new Authenticator({
    credentials: eventStoreCredentials(parts.eventStore, parts.repository),
    audience: config.auth.audience,
    devIssuer: devIssuerOf(config),
    oidc,
  });
  const index = new AuthzIndex();
  const authorizer = new Authorizer(index);
  const feed = new AuthzFeed(parts.eventStore, index);
  const handlers = parts.handlers?.({ authorizer, feed, index });
  return new AuthorizingDispatcher({
    inner: parts.inner,
    authenticator,
    authorizer,
    index,
    feed,
    commands: parts.commands,
    repository: parts.repository,
    eventStore: parts.eventStore,
    ...(handlers === undefined ? {} : { handlers }),
  });
}

/** A development token for `email` (what `keystream token --user` prints). */
export async function mintDevToken(config: KeystreamConfig, email: string, ttlSeconds?: number): Promise<string> {
  const issuer = devIssuerOf(config);
  if (issuer === undefined) throw new Error('the development issuer is disabled (KEYSTREAM_DEV_ISSUER=false or an OIDC issuer is configured)');
  return issuer.mint({ email, ttlSeconds });
}
