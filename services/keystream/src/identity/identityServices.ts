/**
 * Builds the configured identity provider: the embedded directory (verification mails through
 * the notifier, links signed with the data directory's key) or Auth0's Management API.
 */
import { isKeystreamError, KeystreamError } from '@keystream/api';
import type { Notifier } from '@keystream/notify';
import { systemEnvelope, type CommandService, type IdentityProvider } from '@keystream/service-api';
import type { KeystreamConfig } from '../config.js';
import { Auth0IdentityProvider } from './auth0IdentityProvider.js';
import { Auth0ManagementClient } from './auth0ManagementClient.js';
import { EmbeddedIdentityProvider } from './embeddedIdentityProvider.js';
import { VerificationTokens } from './verificationTokens.js';

/** The configured identity provider; the embedded directory mails through `notifier`. */
export function buildIdentityProvider(config: KeystreamConfig, commands: CommandService, notifier: Notifier): IdentityProvider {
  const identity = config.identity;
  switch (identity.kind) {
    case 'auth0':
      return new Auth0IdentityProvider(new Auth0ManagementClient({ baseUrl: identity.baseUrl, clientId: identity.clientId, clientSecret: identity.clientSecret, audience: identity.audience }));
    case 'embedded':
      return new EmbeddedIdentityProvider({
        notifier,
        tokens: VerificationTokens.open(config.dataDirectory),
        publicUrl: config.publicUrl,
        markVerified: async ({ userName, email }) => {
          try {
            await commands.execute(
              // Only while the User still holds the address the mail went to.
              { type: 'update', kind: 'User', resource: { name: userName, emailVerified: true }, updateMask: ['emailVerified'], cas: { conditionalState: { email }, fieldMask: ['email'] } },
              systemEnvelope(),
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
