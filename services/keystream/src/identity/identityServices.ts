/**
 * Builds the configured identity provider: the embedded directory (verification mails to the
 * outbox, links signed with the data directory's key) or Auth0's Management API.
 */
import path from 'node:path';
import { isKeystreamError, KeystreamError } from '@keystream/api';
import { systemEnvelope, type CommandService, type IdentityProvider } from '@keystream/service-api';
import type { KeystreamConfig } from '../config.js';
import { Auth0IdentityProvider } from './auth0IdentityProvider.js';
import { Auth0ManagementClient } from './auth0ManagementClient.js';
import { EmbeddedIdentityProvider } from './embeddedIdentityProvider.js';
import { MailOutbox } from './mailOutbox.js';
import type { MailSender } from './mailSender.js';
import { VerificationTokens } from './verificationTokens.js';

/** The file verification mails are queued in by default. */
export function mailOutboxFileOf(config: Pick<KeystreamConfig, 'dataDirectory'>): string {
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
