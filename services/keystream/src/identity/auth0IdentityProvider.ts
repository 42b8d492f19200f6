/**
 * Auth0 as the identity provider (`KEYSTREAM_IDENTITY_PROVIDER=auth0`), through the Management API
 * v2 endpoints its documentation describes:
 *
 * | port method | Management API |
 * |---|---|
 * | find the user | `User.auth_info.id` when its provider is Auth0, else `GET /users-by-email?email=` (lower case: Auth0 stores addresses lower-cased) |
 * | sendVerificationEmail | `POST /jobs/verification-email {user_id, client_id?}` |
 * | isEmailVerified | `GET /users/{id}` → `email_verified` |
 * | resetMfaIfRecoveryKeyUsed | `GET /users/{id}/logs?sort=date:-1` — a `gd_recovery_succeed` with no `gd_enrollment_complete` after it → `DELETE /users/{id}/authenticators` |
 * | setDisplayName | `PATCH /users/{id} {name}` |
 * | deleteUser | `DELETE /users/{id}` (already gone is fine) |
 */
import { KeystreamError } from '@keystream/api';
import type { Auth0ManagementClient } from './auth0ManagementClient.js';
import type { IdentityProvider, IdentityUser, MfaResetOutcome } from '@keystream/service-api';

/** Log event types of Auth0's Guardian (MFA) that tell whether a recovery key was used since enrolling. */
const RECOVERY_SUCCEEDED = 'gd_recovery_succeed';
const ENROLLMENT_COMPLETED = 'gd_enrollment_complete';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class Auth0IdentityProvider implements IdentityProvider {
  readonly kind = 'auth0';

  constructor(private readonly client: Auth0ManagementClient) {}

  async sendVerificationEmail(user: IdentityUser, options: { readonly clientId?: string | undefined }): Promise<void> {
    const userId = await this.userIdOf(user);
    await this.client.request('POST', '/jobs/verification-email', { user_id: userId, ...(options.clientId === undefined || options.clientId === '' ? {} : { client_id: options.clientId }) });
  }

  async isEmailVerified(user: IdentityUser): Promise<boolean> {
    const userId = await this.userIdOf(user);
    const record = await this.client.request('GET', `/users/${encodeURIComponent(userId)}?fields=user_id%2Cemail_verified&include_fields=true`);
    return isRecord(record) && record['email_verified'] === true;
  }

  async resetMfaIfRecoveryKeyUsed(user: IdentityUser): Promise<MfaResetOutcome> {
    const userId = await this.userIdOf(user);
    const logs = await this.client.request('GET', `/users/${encodeURIComponent(userId)}/logs?page=0&per_page=100&sort=date%3A-1&include_totals=false`);
    const events = (Array.isArray(logs) ? logs : []).filter(isRecord);
    const newest = (type: string): number => Math.max(-Infinity, ...events.filter((event) => event['type'] === type).map((event) => Date.parse(String(event['date']))).filter((time) => !Number.isNaN(time)));
    const recovered = newest(RECOVERY_SUCCEEDED);
    if (recovered === -Infinity) return { recoveryKeyUsed: false, reset: false };
    // Enrolled again after the recovery: the new factor is the one to keep.
    if (newest(ENROLLMENT_COMPLETED) > recovered) return { recoveryKeyUsed: true, reset: false };
    await this.client.request('DELETE', `/users/${encodeURIComponent(userId)}/authenticators`);
    return { recoveryKeyUsed: true, reset: true };
  }

  async setDisplayName(user: IdentityUser, fullName: string): Promise<void> {
    const userId = await this.userIdOf(user);
    await this.client.request('PATCH', `/users/${encodeURIComponent(userId)}`, { name: fullName });
  }

  async deleteUser(user: IdentityUser): Promise<void> {
    let userId: string;
    try {
      userId = await this.userIdOf(user);
      await this.client.request('DELETE', `/users/${encodeURIComponent(userId)}`);
    } catch (error) {
      // Already gone from Auth0: the deletion is done.
      if (error instanceof KeystreamError && error.code === 'NOT_FOUND') return;
      throw error;
    }
  }

  private async userIdOf(user: IdentityUser): Promise<string> {
    const info = user.authInfo;
    if (info?.id !== undefined && info.id !== '' && (info.provider === undefined || info.provider === '' || info.provider.toLowerCase() === 'auth0')) return info.id;
    const found = await this.client.request('GET', `/users-by-email?email=${encodeURIComponent(user.email.toLowerCase())}`);
    const match = (Array.isArray(found) ? found : []).filter(isRecord).find((candidate) => typeof candidate['user_id'] === 'string' && String(candidate['email']).toLowerCase() === user.email.toLowerCase());
    if (match === undefined) throw new KeystreamError('NOT_FOUND', `Auth0 has no user with the address ${user.email} (${user.name})`);
    return match['user_id'] as string;
  }
}
