/**
 * Principals as GetPrincipal and WatchPrincipalUpdates describe them. A principal is identified by
 * its key id: the User's name for a person, the ServiceAccountKey's name for a service account
 * (the `kid` its tokens carry); `json_key` of a service account is the key's public key (PEM), with
 * which a service verifies the account's self-signed tokens itself.
 */
import { KeystreamError } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import { serviceAccountEmailOf } from '@keystream/domain';
import type { ResourceRepository } from '../../core/resourceRepository.js';

/** A `CurrentPrincipal` / `GetPrincipalResponse` body, internal form. */
export type PrincipalMessage = JsonObject;

/** The principal of a User. */
export function userPrincipal(user: JsonObject): PrincipalMessage {
  return { principalKeyId: user['name'] as string, principalKeyType: 'user', user };
}

/** The principal of a ServiceAccountKey (its account read from the write model). */
export async function keyPrincipal(repository: ResourceRepository, key: JsonObject): Promise<PrincipalMessage> {
  const keyName = key['name'] as string;
  const accountName = keyName.slice(0, keyName.lastIndexOf('/serviceAccountKeys/'));
  const account = (await repository.liveResource('ServiceAccount', accountName)) ?? { name: accountName, email: serviceAccountEmailOf(accountName) };
  return {
    principalKeyId: keyName,
    principalKeyType: 'serviceAccount',
    ...(typeof key['publicKeyData'] === 'string' && key['publicKeyData'] !== '' ? { jsonKey: key['publicKeyData'] } : {}),
    serviceAccount: account,
  };
}

/** The principal a key id names; NOT_FOUND when nothing live has it, INVALID_ARGUMENT when it is no key id. */
export async function principalOfKeyId(repository: ResourceRepository, keyId: string): Promise<PrincipalMessage> {
  if (/^users\/[^/]+$/.test(keyId)) {
    const user = await repository.liveResource('User', keyId);
    if (user === undefined) throw new KeystreamError('NOT_FOUND', `User ${keyId} does not exist`);
    return userPrincipal(user);
  }
  if (/^projects\/[^/]+\/regions\/[^/]+\/serviceAccounts\/[^/]+\/serviceAccountKeys\/[^/]+$/.test(keyId)) {
    const key = await repository.liveResource('ServiceAccountKey', keyId);
    if (key === undefined) throw new KeystreamError('NOT_FOUND', `ServiceAccountKey ${keyId} does not exist`);
    return keyPrincipal(repository, key);
  }
  throw KeystreamError.invalidArgument([{ field: 'principal_key_id', description: `expected a User name (users/…) or a ServiceAccountKey name, got ${JSON.stringify(keyId)}` }]);
}
