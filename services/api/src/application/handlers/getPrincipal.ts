/**
 * GetPrincipal: who the caller is, who a token (`auth_token`) stands for, or — for callers allowed
 * to read principals (the pipeline checks) — who a key id (`principal_key_id`) names. The contract
 * names no permission for it: every caller may ask about itself (see docs/decisions.md).
 */
import type { MethodHandler } from '../methodHandler.js';
import { principalOfKeyId } from '../principals/principalOf.js';
import { userNameOf } from '../userNames.js';

export const getPrincipal: MethodHandler<'GetPrincipal'> = async (request, { principal, app }) => {
  if (request.principalKeyId !== undefined && request.principalKeyId !== '') return { response: await principalOfKeyId(app.repository, request.principalKeyId) };
  const token = request.authToken !== undefined && request.authToken !== '' ? request.authToken : undefined;
  const subject = token === undefined ? principal : await app.authenticator.principalOfToken(token);
  switch (subject.kind) {
    case 'anonymous':
      return { response: { anonymous: true, principalKeyType: 'anonymous' } };
    case 'user':
      return {
        response: {
          principalKeyType: 'user',
          user: { name: userNameOf(subject.email), email: subject.email, emailVerified: subject.emailVerified === true, ...(subject.fullName === undefined ? {} : { fullName: subject.fullName }) },
        },
      };
    case 'serviceAccount': {
      const account = (await app.repository.liveResource('ServiceAccount', subject.name)) ?? { name: subject.name, email: subject.email };
      return { response: { principalKeyType: 'serviceAccount', serviceAccount: account } };
    }
    default: {
      const unreachable: never = subject;
      throw new Error(`unknown principal ${JSON.stringify(unreachable)}`);
    }
  }
};
