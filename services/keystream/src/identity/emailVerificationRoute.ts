/**
 * `GET /email-verification?token=…`: the link of the embedded directory's verification mail.
 * Answers a short plain-text page; a bad or expired token says so (400), never with a stack trace.
 */
import { isKeystreamError } from '@keystream/api';
import type { PlainAnswer } from '@keystream/service-api';
import { EMAIL_VERIFICATION_PATH, EmbeddedIdentityProvider } from './embeddedIdentityProvider.js';
import type { IdentityProvider } from '@keystream/service-api';

const TEXT = 'text/plain; charset=utf-8';

/** The route, when the identity provider is the embedded directory (Auth0 serves its own links). */
export function emailVerificationRoute(identity: IdentityProvider): Record<string, (request: { readonly query: string }) => Promise<PlainAnswer>> {
  if (!(identity instanceof EmbeddedIdentityProvider)) return {};
  return {
    [EMAIL_VERIFICATION_PATH]: async ({ query }) => {
      const token = new URLSearchParams(query).get('token') ?? '';
      try {
        const address = await identity.confirm(token);
        return { status: 200, contentType: TEXT, body: `${address.email} is verified. You can close this page.\n` };
      } catch (error) {
        if (isKeystreamError(error)) return { status: error.httpStatus, contentType: TEXT, body: `${error.message}\n` };
        throw error;
      }
    },
  };
}
