/**
 * The identity-provider port: where a user's login identity lives (email verification, second
 * factors, the display name the login pages show). keystream's User resources mirror it; the
 * provider is asked whenever a method is about the login identity rather than the IAM record.
 *
 * Adapters (in the keystream service, chosen by configuration): the embedded provider
 * (keystream's own user directory, the default) and the Auth0 provider (its Management API v2).
 */

/** The part of a User resource a provider needs to find its own record of the user. */
export interface IdentityUser {
  /** `users/…` */
  readonly name: string;
  readonly email: string;
  readonly fullName?: string | undefined;
  readonly emailVerified?: boolean | undefined;
  /** `User.auth_info`: the provider's own id for the user, when keystream learned it. */
  readonly authInfo?: { readonly provider?: string | undefined; readonly id?: string | undefined } | undefined;
}

/** What {@link IdentityProvider.resetMfaIfRecoveryKeyUsed} found and did. */
export interface MfaResetOutcome {
  /** A recovery key was used since the user last enrolled a second factor. */
  readonly recoveryKeyUsed: boolean;
  /** The user's second factors were removed (they enrol again at the next login). */
  readonly reset: boolean;
}

/** The port. Every method throws a KeystreamError the caller can act on. */
export interface IdentityProvider {
  /** `embedded` or `auth0`: written into logs and `docs/identity.md`. */
  readonly kind: string;
  /** Sends (again) the mail that lets the user prove they own their address. */
  sendVerificationEmail(user: IdentityUser, options: { readonly clientId?: string | undefined }): Promise<void>;
  /** Whether the provider holds the user's address as verified. */
  isEmailVerified(user: IdentityUser): Promise<boolean>;
  /** Removes the user's second factors if they logged in with a recovery key since enrolling. */
  resetMfaIfRecoveryKeyUsed(user: IdentityUser): Promise<MfaResetOutcome>;
  /** Sets the name the provider shows for the user. */
  setDisplayName(user: IdentityUser, fullName: string): Promise<void>;
  /** Removes the user's login identity (called after the User resource is deleted). */
  deleteUser(user: IdentityUser): Promise<void>;
}
