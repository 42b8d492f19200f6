/**
 * keystream's own user directory as the identity provider (the default): the User resources are
 * the directory. Verification mails carry a signed link to `GET /email-verification?token=…`;
 * following it marks the User's address verified. The directory has no passwords and no second
 * factors (users sign in through the configured token issuer), so resetting second factors finds
 * nothing to reset, and the display name is the User's `full_name` itself.
 */
import { KeystreamError } from '@keystream/api';
import type { IdentityProvider, IdentityUser, MfaResetOutcome } from '@keystream/service-api';
import type { MailSender } from './mailSender.js';
import type { VerificationTokens, VerifiedAddress } from './verificationTokens.js';

/** The path of the link a verification mail carries. */
export const EMAIL_VERIFICATION_PATH = '/email-verification';

export interface EmbeddedIdentityProviderOptions {
  readonly mail: MailSender;
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
    await this.options.mail.send({
      to: user.email,
      subject: 'Confirm your email address',
      text: `${user.fullName === undefined || user.fullName === '' ? 'Hello' : `Hello ${user.fullName}`},\n\nconfirm that ${user.email} is your address by opening\n\n${link}\n\nThe link is valid for 24 hours. If you did not ask for it, ignore this mail.\n`,
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
