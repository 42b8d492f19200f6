/**
 * keystream's own user directory as the identity provider (the default): the User resources are
 * the directory. Verification mails (the notifier's `email-verification` template) carry a signed
 * link to `GET /email-verification?token=…`; following it marks the User's address verified. The directory has no passwords and no second
 * factors (users sign in through the configured token issuer), so resetting second factors finds
 * nothing to reset, and the display name is the User's `full_name` itself.
 */
import { createHash } from 'node:crypto';
import { KeystreamError } from '@keystream/api';
import type { Notifier } from '@keystream/notify';
import type { IdentityProvider, IdentityUser, MfaResetOutcome } from '@keystream/service-api';
import type { VerificationTokens, VerifiedAddress } from './verificationTokens.js';

/** The path of the link a verification mail carries. */
export const EMAIL_VERIFICATION_PATH = '/email-verification';

export interface EmbeddedIdentityProviderOptions {
  /** Where verification mails go (the outbox by default, SMTP when configured). */
  readonly notifier: Notifier;
  readonly tokens: VerificationTokens;
  /** Base URL the links in mails point to (`KEYSTREAM_PUBLIC_URL`). */
  readonly publicUrl: string;
  /** Marks a User's address verified (a command on the User resource). */
  readonly markVerified: (address: VerifiedAddress) => Promise<void>;
}

export class EmbeddedIdentityProvider implements IdentityProvider {
  readonly kind = 'embedded';

  constructor(private readonly options: EmbeddedIdentityProviderOptions) {}

  async sendVerificationEmail(user: IdentityUser): Promise<void> {
    const token = this.options.tokens.issue({ userName: user.name, email: user.email });
    const link = `${this.options.publicUrl.replace(/\/+$/, '')}${EMAIL_VERIFICATION_PATH}?token=${encodeURIComponent(token)}`;
    await this.options.notifier.send({
      // One id per link: a reader of the outbox drops a duplicate of the same mail.
      id: `email-verification:${createHash('sha256').update(token).digest('hex').slice(0, 32)}`,
      template: 'email-verification',
      to: user.email,
      values: { link },
    });
  }

  isEmailVerified(user: IdentityUser): Promise<boolean> {
    return Promise.resolve(user.emailVerified === true);
  }

  resetMfaIfRecoveryKeyUsed(): Promise<MfaResetOutcome> {
    // No second factors live here: nothing was recovered, nothing to reset.
    return Promise.resolve({ recoveryKeyUsed: false, reset: false });
  }

  setDisplayName(): Promise<void> {
    // The User resource is this directory's record: its full_name is already the name shown.
    return Promise.resolve();
  }

  deleteUser(): Promise<void> {
    // Deleting the User resource deleted the directory entry.
    return Promise.resolve();
  }

  /** Follows a verification link: marks the address verified, or throws INVALID_ARGUMENT naming `token`. */
  async confirm(token: string): Promise<VerifiedAddress> {
    const address = this.options.tokens.check(token);
    try {
      await this.options.markVerified(address);
    } catch (error) {
      if (error instanceof KeystreamError && error.code === 'NOT_FOUND') {
        throw new KeystreamError('FAILED_PRECONDITION', `${address.userName} no longer exists or its address changed from ${address.email}`);
      }
      throw error;
    }
    return address;
  }
}
