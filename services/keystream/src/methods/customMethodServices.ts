/**
 * Builds what the custom methods use from a process's configuration: the identity provider
 * (embedded, with verification mails to the outbox, or Auth0), the shard plan and the service
 * registry.
 */
import path from 'node:path';
import { isKeystreamError, KeystreamError } from '@keystream/api';
import type { EventStore } from '@keystream/eventstore';
import type { ReadStore } from '@keystream/readstore';
import type { CommandService, QueryService, ResourceRepository } from '@keystream/service-api';
import type { KeystreamConfig } from '../config.js';
import { Auth0IdentityProvider } from '../identity/auth0IdentityProvider.js';
import { Auth0ManagementClient } from '../identity/auth0ManagementClient.js';
import { EmbeddedIdentityProvider } from '../identity/embeddedIdentityProvider.js';
import type { IdentityProvider, MailSender } from '../identity/identityProvider.js';
import { MailOutbox } from '../identity/mailOutbox.js';
import { VerificationTokens } from '../identity/verificationTokens.js';
import type { CustomMethodDeps } from './customMethod.js';
import { ServiceRegistry } from './serviceProjects/serviceRegistry.js';

/** The file verification mails are queued in by default. */
export function mailOutboxFileOf(config: KeystreamConfig): string {
  return path.join(config.dataDirectory, 'outbox', 'mail.ndjson');
}

/** The configured identity provider. */
export function buildIdentityProvider(config: KeystreamConfig, commands: CommandService, mail: MailSender = new MailOutbox(mailOutboxFileOf(config))): IdentityProvider {
  const identity = config.identity;
  switch (identity.kind) {
    case 'auth0':
      return new Auth0IdentityProvider(new Auth0ManagementClient({ baseUrl: identity.baseUrl, clientId: identity.clientId, clientSecret: identity.clientSecret, audience: identity.audience }));
    case 'embedded':
      return new EmbeddedIdentityProvider({
        mail,
        tokens: VerificationTokens.open(config.dataDirectory),
        publicUrl: config.publicUrl,
        markVerified: async ({ userName, email }) => {
          try {
            await commands.execute(
              // Only while the User still holds the address the mail went to.
              { type: 'update', kind: 'User', resource: { name: userName, emailVerified: true }, updateMask: ['emailVerified'], cas: { conditionalState: { email }, fieldMask: ['email'] } },
              { actor: 'system' },
            );
          } catch (error) {
            if (isKeystreamError(error) && error.code === 'ABORTED') throw new KeystreamError('FAILED_PRECONDITION', `${userName} no longer holds ${email}; the link is for an address it changed from`);
            throw error;
          }
        },
      });
    default: {
      const unreachable: never = identity;
      throw new Error(`unknown identity provider ${JSON.stringify(unreachable)}`);
    }
  }
}

/** Everything the custom methods need. */
export function buildCustomMethodDeps(
  config: KeystreamConfig,
  parts: { commands: CommandService; queries: QueryService; repository: ResourceRepository; readStore: ReadStore; eventStore: EventStore; identity?: IdentityProvider },
): CustomMethodDeps {
  return {
    commands: parts.commands,
    queries: parts.queries,
    repository: parts.repository,
    readStore: parts.readStore,
    eventStore: parts.eventStore,
    identity: parts.identity ?? buildIdentityProvider(config, parts.commands),
    shards: config.shards,
    services: new ServiceRegistry(parts.eventStore),
  };
}
